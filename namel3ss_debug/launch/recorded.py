"""What to run again: the app, its arguments and its working directory, as `run_start` recorded them.

`run_start.attrs.entry` names a script (`{"kind": "script", "path": ...}`), a module (`{"kind":
"module", "module": ...}`), a namel3ss app (`{"kind": "namel3ss", "path": ..., "flow": ..., "input": ...}`) or,
for a run started by `NAMEL3SS_DEBUG_ENABLED=1 python app.py`, the interpreter's `argv[0]` (`{"kind": "python"}`).
A recording made by this version also says where the run stood in its project (`attrs.project`: the root, the
marker that found it, the working directory relative to it) and the entry's file relative to the root
(`entry.project_path`; `tracer/project.py`). Those are resolved against the checkout the rerun runs in: the
trace's own project (the same marker looked for from the trace file upwards) or, with `--cwd DIR`, DIR's; so a
repository cloned elsewhere finds its committed recordings' app in the clone. The absolute paths are hints, used
when the relative ones are missing (an older recording) or lead nowhere; a script is then looked for under the
working directory too, by the path the user typed and by its file name.
Paths are resolved here, once (`locate`): the directory and every file the run executes (a script, or each
file `-m` runs) are opened and pinned (`pinned.py`: the kernel's name for each, and its device and inode).
Consent judges those names; the launcher enters and reads what it finds unchanged, and refuses otherwise.
Whether it may run without asking (it is this project's app) is `consent.py`'s to judge, against
`Recorded.project` (the trace's project, or --cwd's directory).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..model.errors import UsageError
from ..tracer.project import MARKERS, find_root
from .app import Target
from .module_origin import is_module_name, module_code
from .pinned import Pinned, PinnedModule, pin
from .shown import shown


@dataclass(frozen=True)
class Recorded:
    """The app to run again: its target and the directory to run it in."""

    target: Target
    cwd: Path  # resolved (links followed): where the app runs, as judged
    redacted_args: int  # arguments the recording redacted: given to the app as recorded
    project: Path | None = None  # the trace's project or --cwd's directory, resolved: what consent judges by
    where: Pinned | None = None  # `cwd` pinned by `locate`: what consent judges and the launcher enters
    files: tuple[PinnedModule, ...] | None = None  # the code the run executes, found and pinned once by `locate`
    unsearchable: str | None = None  # why a module could not be looked for (a finder failed), if it could not


def locate(recorded: Recorded, *, path: Sequence[str] | None = None,
           modules: Mapping[str, Any] | None = None) -> Recorded:
    """`recorded` with its directory and the files its run executes found once and pinned. A module is
    looked for as `python -m` run in that directory would find it, on `path` and in `modules` (default:
    this process's, which the app runs in). UsageError when the directory or the module is not there."""
    try:
        where = pin(recorded.cwd)
    except OSError:
        raise UsageError(f"the recorded working directory {shown(str(recorded.cwd))} is not here",
                         hint="give the directory to run the app in with --cwd DIR") from None
    target = recorded.target
    if not target.module:
        script = _located("__main__", target.script or "", False)
        named = replace(target, script=str(script.pinned.path)) if script.pinned is not None else target
        return replace(recorded, target=named, cwd=where.path, where=where, files=(script,))
    if not is_module_name(target.module):  # not looked for: consent names it, the launcher finds no such module
        return replace(recorded, cwd=where.path, where=where, files=())
    try:
        found = module_code(target.module, where.path, sys.path if path is None else path,
                            sys.modules if modules is None else modules)
    except Exception as error:  # a finder's own failure: the module cannot be judged
        why = shown(str(error) or type(error).__name__)
        return replace(recorded, cwd=where.path, where=where, files=(), unsearchable=why)
    if found is None:
        raise UsageError(f"the recorded app, module {target.module}, is not found from {shown(str(where.path))}",
                         hint="run from a checkout of the app, or give its directory with --cwd DIR")
    return replace(recorded, cwd=where.path, where=where,
                   files=tuple(_located(code.name, code.origin, code.package) for code in found))


def _located(name: str, origin: str, package: bool) -> PinnedModule:
    """A file the run executes, pinned when it is a file that opens (not `built-in` or `frozen` code)."""
    try:
        pinned = pin(Path(origin)) if Path(origin).is_absolute() else None
    except OSError:
        pinned = None
    return PinnedModule(name, origin, package, pinned)


def recorded_target(start: dict[str, Any], cwd: Path | None, trace: Path | None = None) -> Recorded:
    """The app `start` (a run_start) names, found from `trace` (the trace file, for its project) or in
    `cwd` (--cwd)."""
    attrs = start["attrs"] if isinstance(start.get("attrs"), dict) else {}
    entry = attrs["entry"] if isinstance(attrs.get("entry"), dict) else None
    argv = attrs.get("argv")
    if entry is None or not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv):
        raise UsageError("the trace's run_start does not say how the app was started (no entry or argv)",
                         hint="rerun needs a trace written by namel3ss-debug's tracer, with its run_start")
    project = attrs["project"] if isinstance(attrs.get("project"), dict) else {}
    checkout = _checkout(project, cwd, trace)
    directory = _directory(attrs, project, cwd, checkout)
    relative = entry.get("project_path")
    portable = checkout / relative if checkout is not None and isinstance(relative, str) and relative else None
    project_root = checkout if cwd is None else directory  # --cwd's directory, resolved once
    return locate(Recorded(_target(entry, argv, directory, portable), directory, _redacted(entry, argv), project_root))


def _checkout(project: dict[str, Any], cwd: Path | None, trace: Path | None) -> Path | None:
    """The root the recording's relative paths are resolved against: with --cwd, DIR's project (the marker
    the recording names, looked for from DIR upwards; DIR itself when none is found); otherwise the trace
    file's project, found by the same marker, or None (an older recording, standard input, no marker)."""
    if not project:
        return None
    marker = project.get("marker")
    markers = (marker,) if marker in MARKERS else ()
    if cwd is not None:
        found = find_root(cwd, markers) if markers else None
        return found[0].resolve() if found is not None else cwd.resolve()
    if trace is None or not markers:
        return None
    found = find_root(trace.parent, markers)
    return found[0].resolve() if found is not None else None


def _directory(attrs: dict[str, Any], project: dict[str, Any], cwd: Path | None, checkout: Path | None) -> Path:
    """Where the app runs, resolved once: --cwd, else the recorded directory in the checkout, else the
    recorded absolute directory (the hint)."""
    relative = project.get("cwd")
    if cwd is not None:
        directory = cwd
    elif checkout is not None and isinstance(relative, str) and relative and (checkout / relative).is_dir():
        directory = checkout / relative
    else:
        directory = Path(str(attrs.get("cwd") or "."))
    if not directory.is_dir():
        raise UsageError(f"the recorded working directory {shown(str(directory))} is not here",
                         hint="give the directory to run the app in with --cwd DIR")
    return directory.resolve()


def _target(entry: dict[str, Any], argv: list[str], directory: Path, portable: Path | None) -> Target:
    args = tuple(argv[1:])
    kind = entry.get("kind")
    if kind == "module" and isinstance(entry.get("module"), str):
        return Target(script=None, module=entry["module"], args=args)
    if kind == "namel3ss":
        script = _find_script(portable, entry.get("path"), typed_of(argv), directory)
        flow, given = entry.get("flow"), entry.get("input")
        return Target(script=str(script), module=None, args=args, flow=flow if isinstance(flow, str) else None,
                      input=given if isinstance(given, str) else None)
    if kind in ("script", "python"):
        script = _find_script(portable, entry.get("path") if kind == "script" else None, typed_of(argv), directory)
        return Target(script=str(script), module=None, args=args)
    if kind == "pytest":
        test = shown(str(entry.get("name") or "the test"))
        raise UsageError(f"cannot run this app again: it is the run of the pytest test {test}",
                         hint=f"run the test again with pytest ('{test}'); a test marked n3replay is answered from "
                              "its golden run, offline")
    raise UsageError(f"cannot run this app again: its entry is {kind!r}",
                     hint="rerun runs Python scripts and modules and namel3ss .ai apps (namel3ss-debug trace app.py)")


def _redacted(entry: dict[str, Any], argv: list[str]) -> int:
    """The app's arguments (and an `.ai` app's input) the recording redacted."""
    given = entry.get("input") if entry.get("kind") == "namel3ss" else None
    return sum("[REDACTED" in arg for arg in argv[1:]) + int("[REDACTED" in (given if isinstance(given, str) else ""))


def typed_of(argv: list[str]) -> str:
    return argv[0] if argv else ""


def _find_script(portable: Path | None, recorded: Any, typed: str, directory: Path) -> Path:
    """The app's file, resolved: its path in the checkout first, then the recorded absolute path, then
    the path the user typed and the file's name under the directory the app runs in."""
    tries: list[Path] = [portable] if portable is not None else []
    if isinstance(recorded, str) and recorded:
        tries.append(Path(recorded))
    if typed:
        tries.append(directory / typed)
    if isinstance(recorded, str) and recorded:
        tries.append(directory / Path(recorded).name)
    for path in tries:
        if path.is_file():
            return path.resolve()
    named = shown(recorded if isinstance(recorded, str) and recorded else typed or "?")
    if named.startswith("-"):  # `python -c CODE` (or `-`, stdin) traced by NAMEL3SS_DEBUG_ENABLED=1: no file
        raise UsageError(f"the recorded run was started as python {named}: its code is in no file to run again",
                         hint="rerun runs an app started from a script, a module or an .ai file")
    raise UsageError(f"the recorded app {named} is not here",
                     hint="run from a checkout of the app, or give its directory with --cwd DIR")
