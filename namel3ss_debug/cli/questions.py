"""The questions a rerun asks on a terminal, and what it decides with when there is none.

    answered("Run it? [y/N] ", sys.stdin, sys.stderr)   # the word typed, lower case; "" for Ctrl-D or Ctrl-C
    consent(allowed, env)   # --yes, and the question before a tool a trace from elsewhere chose (launch/choosing.py)
"""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ..launch.choosing import Consent
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
    """What a rerun decides with before a tool whose arguments a recording from elsewhere chose
    (launch/choosing.py): --yes, else the question on a terminal, else no."""
    from ..launch.choosing import Consent  # noqa: PLC0415 - loads when a rerun runs

    stdin, stderr = stdin or sys.stdin, stderr or sys.stderr
    terminal = stdin.isatty() and stderr.isatty()
    return Consent(allowed, (lambda call: ask_tool(call, stdin, stderr)) if terminal else None, env.warn)


def ask_tool(call: str, stdin: IO[str], stderr: IO[str]) -> str:
    """Show the tool and its arguments, then read the answer: `y` runs it, `a` it and the rest of this rerun's
    tools, anything else (Enter, end of input, Ctrl-C) is no."""
    from ..launch.choosing import ALL, NO, YES  # noqa: PLC0415 - loads when a rerun runs

    word = answered("namel3ss-debug: a recording not written here by you (or changed since) chose the arguments "
                    f"of a tool that runs for real:\n  tool  {call}\nRun it? [y/N/a(ll)] ", stdin, stderr)
    return YES if word in ("y", "yes") else ALL if word in ("a", "all") else NO
