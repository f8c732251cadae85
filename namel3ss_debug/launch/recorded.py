"""What to run again: the app, its arguments and its working directory, as `run_start` recorded them.

`run_start.attrs.entry` names a script (`{"kind": "script", "path": ...}`), a module (`{"kind":
"module", "module": ...}`), a namel3ss app (`{"kind": "namel3ss", "path": ..., "flow": ..., "input": ...}`) or,
for a run started by `NAMEL3SS_DEBUG_ENABLED=1 python app.py`, the interpreter's `argv[0]` (`{"kind": "python"}`).
A script recorded on another machine is looked for under the working directory too (`--cwd`), by the path the
user typed and by its file name.
Whether what is found may run without asking (it is this project's app) is `consent.py`'s to judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.errors import UsageError
from .app import Target
from .shown import shown


@dataclass(frozen=True)
class Recorded:
    """The app to run again: its target and the directory to run it in."""

    target: Target
    cwd: Path
    redacted_args: int  # arguments the recording redacted: given to the app as recorded


def recorded_target(start: dict[str, Any], cwd: Path | None) -> Recorded:
    attrs = start["attrs"] if isinstance(start.get("attrs"), dict) else {}
    entry = attrs["entry"] if isinstance(attrs.get("entry"), dict) else None
    argv = attrs.get("argv")
    if entry is None or not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv):
        raise UsageError("the trace's run_start does not say how the app was started (no entry or argv)",
                         hint="rerun needs a trace written by namel3ss-debug's tracer, with its run_start")
    directory = cwd if cwd is not None else Path(str(attrs.get("cwd") or "."))
    if not directory.is_dir():
        raise UsageError(f"the recorded working directory {shown(str(directory))} is not here",
                         hint="give the directory to run the app in with --cwd DIR")
    args = tuple(argv[1:])
    redacted = sum("[REDACTED" in arg for arg in args)
    kind = entry.get("kind")
    if kind == "module" and isinstance(entry.get("module"), str):
        return Recorded(Target(script=None, module=entry["module"], args=args), directory, redacted)
    if kind == "namel3ss":
        script = _find_script(entry.get("path"), typed_of(argv), directory)
        flow, given = entry.get("flow"), entry.get("input")
        given = given if isinstance(given, str) else None
        return Recorded(Target(script=str(script), module=None, args=args, flow=flow if isinstance(flow, str) else None,
                               input=given), directory, redacted + int("[REDACTED" in (given or "")))
    if kind in ("script", "python"):
        script = _find_script(entry.get("path") if kind == "script" else None, typed_of(argv), directory)
        return Recorded(Target(script=str(script), module=None, args=args), directory, redacted)
    raise UsageError(f"cannot run this app again: its entry is {kind!r}",
                     hint="rerun runs Python scripts and modules and namel3ss .ai apps (namel3ss-debug trace app.py)")


def typed_of(argv: list[str]) -> str:
    return argv[0] if argv else ""


def _find_script(recorded: Any, typed: str, directory: Path) -> Path:
    tries: list[Path] = []
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
