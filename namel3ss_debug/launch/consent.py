"""Whether a rerun may run the app a trace names without asking: only when it is plainly this project's.

A trace is data anyone can write, and `replay --rerun` runs the code its `run_start` names. So a
rerun runs without asking only the app of the project it is started in: a script, namel3ss app or
module whose files are inside the project directory (the working directory, or `--cwd`), run in that
directory or below it. Anything else (a stdlib or installed module such as `-m timeit -s CODE`, a script
elsewhere on disk, reached by `..` or through a link, a recorded `cwd` of `/`, an entry that is an
interpreter option) is judged not plain, with the reasons; the command line decides whether to ask.
The judge looks nothing up: it judges the paths `recorded.py`'s `locate` resolved and pinned once (the
kernel's names for the directory and for each file the run executes, links followed), and the launcher
runs only what it finds unchanged there (`pinned.py`), so a link turned elsewhere after the check is not
followed.

    judgement = judge(recorded, Path.cwd())  # recorded: as recorded_target (or locate) gives it
    judgement.plain, judgement.reasons, judgement.command
    # False, ('module timeit runs /usr/lib/python3.12/timeit.py, outside /proj',), "cd /proj && python -m timeit ..."
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from .module_origin import is_module_name
from .pinned import PinnedModule
from .recorded import Recorded
from .shown import shown

NAMEL3SS = "namel3ss"  # the runtime an `.ai` app runs in, shown in place of the interpreter


@dataclass(frozen=True)
class Judgement:
    """The command a rerun would run (safe, one-line text), and why it is not plainly the project's app
    (empty when it is)."""

    command: str
    reasons: tuple[str, ...]

    @property
    def plain(self) -> bool:
        return not self.reasons

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


def judge(recorded: Recorded, project: Path, *, interpreter: str | None = None) -> Judgement:
    """Judge the app `recorded` (located: its paths pinned) names against the project directory."""
    if recorded.where is None or recorded.files is None:
        raise ValueError("judge needs a located recording (recorded_target or locate)")
    root = Path(os.path.realpath(project))
    where = recorded.where.path
    reasons = [] if _inside(where, root) else [f"it runs in {shown(str(where))}, outside {shown(str(root))}"]
    target = recorded.target
    if target.module:
        reasons += _module_reasons(target.module, recorded, root)
    else:
        reasons += _script_reasons(target.script or "", recorded.files, root, target.is_ai_app)
    return Judgement(command_line(recorded, interpreter or sys.executable), tuple(reasons))


def command_line(recorded: Recorded, interpreter: str) -> str:
    """`cd DIR && INTERPRETER [-m] ENTRY ARGS...`: what the rerun runs (in this process), as one line of
    safe text. An `.ai` app's interpreter is the namel3ss runtime, given its flow and input."""
    target = recorded.target
    if target.module:
        words = [interpreter, "-m", target.module]
    elif target.is_ai_app:
        words = [NAMEL3SS, target.script or ""]
        words += ["--flow", target.flow] if target.flow else []
        words += ["--input", target.input] if target.input is not None else []
    else:
        words = [interpreter, target.script or ""]
    return shown(f"cd {shlex.quote(str(recorded.cwd))} && {shlex.join([*words, *target.args])}")


def _script_reasons(script: str, files: tuple[PinnedModule, ...], root: Path, ai_app: bool) -> list[str]:
    """A script or `.ai` app runs without asking when its file, as pinned (links followed), is inside
    the project."""
    kind = "namel3ss app" if ai_app else "script"
    reasons = []
    if Path(script).name.startswith("-"):
        reasons.append(f"its entry {shown(Path(script).name)} is an interpreter option, not an app")
    pinned = files[0].pinned if files else None
    if pinned is None:
        reasons.append(f"the {kind} {shown(script)} does not open")
    elif not _inside(pinned.path, root):
        reasons.append(f"the {kind} {shown(str(pinned.path))} is outside {shown(str(root))}")
    return reasons


def _module_reasons(name: str, recorded: Recorded, root: Path) -> list[str]:
    """A module runs without asking when every file `-m` would run (packages on the way, the module or its
    `__main__`), as `locate` found and pinned them from the directory it runs in, is inside the project."""
    if name.startswith("-"):
        return [f"its entry {shown(name)} is an interpreter option, not a module"]
    if not is_module_name(name):
        return [f"'{shown(name)}' is not a module name"]
    if recorded.unsearchable is not None:
        return [f"module {name} could not be looked for ({recorded.unsearchable})"]
    for file in recorded.files or ():
        if not Path(file.origin).is_absolute():
            return [f"module {name} runs {shown(file.origin)} code, not a file of {shown(str(root))}"]
        real = file.pinned.path if file.pinned is not None else Path(os.path.realpath(file.origin))
        if not _inside(real, root):
            return [f"module {name} runs {shown(str(real))}, outside {shown(str(root))}"]
        if file.pinned is None:
            return [f"module {name} runs {shown(str(real))}, which does not open"]
    return []


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)
