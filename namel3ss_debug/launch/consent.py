"""Whether a rerun may run the app a trace names without asking: only when it is plainly this project's.

A trace is data anyone can write, and `replay --rerun` runs the code its `run_start` names. So a
rerun runs without asking only the app of the project it is started in: a script, namel3ss app or
module whose files are inside the project directory (the working directory, or `--cwd`), run in that
directory or below it. Anything else (a stdlib or installed module such as `-m timeit -s CODE`, a script
elsewhere on disk, reached by `..` or through a link, a recorded `cwd` of `/`, an entry that is an
interpreter option) is judged not plain, with the reasons; the command line decides whether to ask.
Paths are compared resolved, links followed, as the launcher will open them.

    judgement = judge(recorded, Path.cwd())
    judgement.plain, judgement.reasons, judgement.command
    # False, ('module timeit runs /usr/lib/python3.12/timeit.py, outside /proj',), "cd /proj && python -m timeit ..."
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..model.errors import UsageError
from .module_origin import is_module_name, module_files
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


def judge(recorded: Recorded, project: Path, *, interpreter: str | None = None,
          path: Sequence[str] | None = None, modules: Mapping[str, Any] | None = None) -> Judgement:
    """Judge the app `recorded` names against the project directory. `path` and `modules` are where a
    module is looked for (default: this process's, which the app will run in)."""
    root = project.resolve()
    where = recorded.cwd.resolve()
    reasons = [] if _inside(where, root) else [f"it runs in {shown(str(where))}, outside {shown(str(root))}"]
    target = recorded.target
    if target.module:
        reasons += _module_reasons(target.module, where, root, sys.path if path is None else path,
                                   sys.modules if modules is None else modules)
    else:
        reasons += _script_reasons(Path(target.script or ""), root, target.is_ai_app)
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
    return shown(f"cd {shlex.quote(str(recorded.cwd.resolve()))} && {shlex.join([*words, *target.args])}")


def _script_reasons(script: Path, root: Path, ai_app: bool) -> list[str]:
    """A script or `.ai` app runs without asking when its file, links followed, is inside the project."""
    kind = "namel3ss app" if ai_app else "script"
    reasons = []
    if script.name.startswith("-"):
        reasons.append(f"its entry {shown(script.name)} is an interpreter option, not an app")
    real = script.resolve()
    if not _inside(real, root):
        reasons.append(f"the {kind} {shown(str(real))} is outside {shown(str(root))}")
    return reasons


def _module_reasons(name: str, where: Path, root: Path, path: Sequence[str], modules: Mapping[str, Any]) -> list[str]:
    """A module runs without asking when every file `-m` would run (packages on the way, the module or its
    `__main__`) is inside the project, looked for as the app will be: from the directory it runs in."""
    if name.startswith("-"):
        return [f"its entry {shown(name)} is an interpreter option, not a module"]
    if not is_module_name(name):
        return [f"'{shown(name)}' is not a module name"]
    try:
        files = module_files(name, where, path, modules)
    except Exception as error:  # a finder's own failure: the module cannot be judged
        return [f"module {name} could not be looked for ({shown(str(error) or type(error).__name__)})"]
    if files is None:
        raise UsageError(f"the recorded app, module {name}, is not found from {shown(str(where))}",
                         hint="run from a checkout of the app, or give its directory with --cwd DIR")
    for file in files:
        if not Path(file).is_absolute():
            return [f"module {name} runs {shown(file)} code, not a file of {shown(str(root))}"]
        if not _inside(Path(file).resolve(), root):
            return [f"module {name} runs {shown(str(Path(file).resolve()))}, outside {shown(str(root))}"]
    return []


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)
