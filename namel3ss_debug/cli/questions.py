"""The questions a rerun asks on a terminal, and what it decides with when there is none.

    answered("Run it? [y/N] ", sys.stdin, sys.stderr)   # the word typed, lower case; "" for Ctrl-D or Ctrl-C
    consent(allowed, env)   # --yes, and the question before a tool a trace from elsewhere chose (launch/choosing.py)
    announcer(cwd, allowed, env)   # --yes, or the question, before the app a trace names runs (launch/consent.py)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable

from ..launch.choosing import ALL, NO, YES, Consent
from ..launch.consent import judge
from ..launch.shown import shown
from ..model.errors import UsageError
from .output import tell

if TYPE_CHECKING:
    from ..launch.consent import Judgement
    from ..launch.recorded import Recorded
    from ..ops.environment import Environment


def answered(question: str, stdin: IO[str], stderr: IO[str]) -> str:
    """Ask `question` on stderr and read one line of stdin: its word in lower case, or "" for end of input or
    Ctrl-C."""
    stderr.write(question)
    stderr.flush()
    try:
        answer = stdin.readline()
    except KeyboardInterrupt:
        answer = ""
    if not answer.endswith("\n"):
        stderr.write("\n")  # the answer was no line (Ctrl-D, Ctrl-C): end the question's
    return answer.strip().lower()


def consent(allowed: bool, env: Environment, stdin: IO[str] | None = None,
            stderr: IO[str] | None = None) -> Consent:
    """What a rerun decides with before it runs the app with the answers of a recording from elsewhere, and
    before a tool whose arguments such a recording chose (launch/choosing.py): --yes, else the question on a
    terminal, else no."""
    stdin, stderr = stdin or sys.stdin, stderr or sys.stderr
    if not (stdin.isatty() and stderr.isatty()):
        return Consent(allowed, None, env.warn)
    return Consent(allowed, lambda call: ask_tool(call, stdin, stderr), env.warn,
                   lambda where: ask_rerun(where, stdin, stderr))


def ask_rerun(where: str, stdin: IO[str], stderr: IO[str]) -> bool:
    """Say that the app will run with answers a stranger chose, and what the rerun cannot see; yes only for `y`
    or `yes`."""
    question = ("namel3ss-debug: this rerun answers the app from a recording not written here by you (or changed "
                f"since):\n  recording  {shown(where)}\n"
                "  the app runs with the answers a stranger chose and acts on them: each tool the rerun sees is "
                "asked about before it runs,\n  an action the app takes on the model's text without a hook is "
                "not seen\nRerun it? [y/N] ")
    return answered(question, stdin, stderr) in ("y", "yes")


def ask_tool(call: str, stdin: IO[str], stderr: IO[str]) -> str:
    """Show the tool and its arguments, then read the answer: `y` runs it, `a` it and the rest of this rerun's
    tools, anything else (Enter, end of input, Ctrl-C) is no."""
    word = answered("namel3ss-debug: a recording not written here by you (or changed since) chose the arguments "
                    f"of a tool that runs for real:\n  tool  {call}\nRun it? [y/N/a(ll)] ", stdin, stderr)
    return YES if word in ("y", "yes") else ALL if word in ("a", "all") else NO


def announcer(cwd: Path | None, allowed: bool, env: Environment) -> Callable[[Recorded, str | None, str], None]:
    """What a command that runs a recorded app again (`replay --rerun`, `verify`, `bisect`) hands its use case to
    call once the app is found (with the run's id and where it was read): allow it (`allow_rerun`) and say on
    stderr what runs."""

    def allow_and_announce(recorded: Recorded, run_id: str | None, where: str) -> None:
        allow_rerun(recorded, cwd, allowed, where, env.warn)
        tell("render.rerun.text:announce", recorded, run_id)

    return allow_and_announce


def allow_rerun(recorded: Recorded, cwd: Path | None, allowed: bool, where: str, warn_of: Callable[[str], None],
                stdin: IO[str] | None = None, stderr: IO[str] | None = None) -> None:
    """Let the app run when it is plainly this project's (launch/consent.py), when --yes allows it, or when
    the user answers yes on a terminal; refuse it otherwise (UsageError, exit 2), before it runs. The project
    is the trace's own when the recording's paths were resolved in it, else --cwd, else the working directory."""
    judgement = judge(recorded, recorded.project or (cwd if cwd is not None else Path.cwd()))
    if judgement.plain:
        return
    if allowed:
        warn_of(f"running code that is not plainly this project's app, as --yes allows ({judgement.why}): "
                f"{judgement.command}")
        return
    stdin, stderr = stdin or sys.stdin, stderr or sys.stderr
    if not (stdin.isatty() and stderr.isatty()):
        raise UsageError(f"not running the app this trace names, as it is not plainly this project's "
                         f"({judgement.why}): {judgement.command}", where=where,
                         hint="read the trace; to run it, add --yes, or answer the question on a terminal")
    if not confirm(judgement, stdin, stderr):
        raise UsageError("the app was not run: the answer was not yes", where=where,
                         hint="add --yes to run it without the question")


def confirm(judgement: Judgement, stdin: IO[str], stderr: IO[str]) -> bool:
    """Show what would run and why it is asked, then read the answer: yes only for `y` or `yes` (the
    default, Enter, end of input or Ctrl-C, is no)."""
    question = ("namel3ss-debug: this rerun would run code that is not plainly this project's app:\n"
                f"  why      {judgement.why}\n"
                f"  command  {judgement.command}\n"
                "Run it? [y/N] ")
    return answered(question, stdin, stderr) in ("y", "yes")
