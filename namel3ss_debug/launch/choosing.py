"""Whether a recording may choose the arguments of a tool that runs for real, as the rerun reaches it.

Consent to a rerun (`consent.py`) judges which code runs: plainly this project's. It does not judge what drives
that code: under `verify`, `--live-tools`, a fork or a golden run's `tools="live"`, a tool's body runs for real
with the arguments the recorded model answers chose. A trace from elsewhere, or one edited since, can choose
`shell("curl ... | sh")` of a project's own `shell` tool. So, when the recording was not written here
(`model/seals.py`), each tool the rerun lets run for real is asked about first, showing its name and arguments:

- `--yes` (`allowed`): it runs, and the command says once that a recording from elsewhere chose them;
- a terminal (`ask`): the user answers; `a` (all) lets the rest of this rerun's tools run without asking;
- no terminal (stdin closed, a pipe, CI): no. The app stops there (`RerunRefused`), before the tool runs, and
  the command ends with exit 2, naming the tool and its arguments (`refusal`).

A recording written here runs as it always did, without a question.

The rerun sees a tool only where the tracer does (a hooked tool, or one on the wire: the tool calls a recorded
answer asks for). An action the app takes on the model's text by itself (a loop that parses `Action: shell(...)`
from the answer and calls a plain function) is no call the rerun can show or refuse. So a rerun of a recording
not written here is asked about once before the app runs at all (`allow_rerun`), whatever the command (`replay
--rerun`, a fork, `verify`, `bisect`), as the tools are: `--yes` lets it (said once), a terminal's `y` lets it,
and without a terminal it is refused (UsageError, exit 2) before the app starts. The tools the rerun does see
are still asked about one by one after a `y`: that question shows their arguments.

Whether the recording was written here (`trusted`) also decides whether the new run is sealed as written here
(`answered_here`, `model/seals.py`): a run answered from a stranger's recording is a stranger's run.

    choosing = Consent(allowed=yes, ask=question, ask_rerun=rerun_question).choosing(source.files, os.environ)
    choosing.allow_rerun("run.jsonl")  # raises UsageError (exit 2) when a stranger's recording may not drive the app
    choosing.approve("shell", {"cmd": "touch x"})  # raises RerunRefused when the answer is no
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import orjson

from ..model.errors import UsageError
from ..model.rerun_protocol import RerunStop
from ..model.seals import Seals
from ..store.sources import STDIN
from .shown import shown

YES, ALL, NO = "yes", "all", "no"
SHOWN_ARGUMENTS = 400  # characters of a tool's arguments shown in the question and the refusal


def not_here(what: str = "a recording") -> str:
    """Why a tool was not run, as every refusal says it (`what`: a recording, a golden run)."""
    return f"its arguments come from {what} not written here by this user (or changed since)"


def not_here_rerun() -> str:
    """Why a rerun of a recording from elsewhere was not started, as its refusal says it."""
    return ("not rerunning the app with the answers of a recording not written here by this user (or changed "
            "since): the app would act on what it chose, and the rerun cannot see an action the app takes on "
            "the model's text without a hook")


class RerunRefused(RerunStop):
    """A tool the recording chose the arguments of was not allowed to run: the app stops before it runs."""


@dataclass(frozen=True)
class Consent:
    """What the command was given to decide with: `--yes` (`allowed`), the terminal's questions (`ask`: a call's
    text in, YES, ALL or NO out; `ask_rerun`: where the recording was read in, whether to rerun it out; None
    without a terminal) and where its warnings go."""

    allowed: bool = False
    ask: Callable[[str], str] | None = None
    warn: Callable[[str], None] = lambda message: None
    ask_rerun: Callable[[str], bool] | None = None

    def choosing(self, files: Sequence[str], environ: Mapping[str, str]) -> "Choosing":
        """The choosing of a rerun of the recording in `files` (every recording that answers it: bisect's good
        run too), which were written here when this user's seals note every one of them (`model/seals.py`).
        They are digested once, here: before the app is judged, and before anything in the project can move."""
        seals = Seals.of(environ, make=False)
        return Choosing(self, seals is not None and seals.written_here(file for file in files if file != STDIN))


class Choosing:
    """Asks before a rerun of the recording, and before each tool that runs for real, unless the recording was
    written here (see the module's docstring); `refusal` names the call refused, when one was."""

    def __init__(self, consent: Consent, trusted: bool) -> None:
        self.consent = consent
        self.refusal: str | None = None
        self.trusted = trusted  # every recording that answers the rerun was written here
        self._all = False
        self._warned = False
        self._approved: Counter[str] = Counter()  # tools a recorded answer asked for, approved, not yet run
        self._lock = threading.Lock()

    def allow_rerun(self, where: str) -> None:
        """Before the app runs: let a rerun of a recording from elsewhere drive it only with `--yes` (said once)
        or a terminal's yes; else a UsageError (exit 2) naming `where` the recording was read."""
        if self.trusted:
            return
        consent = self.consent
        if consent.allowed:
            consent.warn(f"rerunning the app with the answers of a recording from elsewhere ({where}), as --yes "
                         "allows: the app acts on what it chose")
            return
        if consent.ask_rerun is None:
            raise UsageError(not_here_rerun(), where=where,
                             hint="read the trace; to rerun it, add --yes, or answer the question on a terminal")
        if not consent.ask_rerun(where):
            raise UsageError("the app was not rerun: the answer was not yes", where=where,
                             hint="add --yes to rerun it without the question")

    def approve(self, tool: str, arguments: object, asked: bool = False) -> None:
        """Let the tool run, or raise RerunRefused (noting `refusal`) when it may not. `asked`: the call is one
        a recorded answer asks for, about to be handed to the app; the tool span it then opens (a hooked
        tool) is not asked about again."""
        with self._lock:  # one question at a time, whichever thread of the app reaches a tool
            if self.trusted or self._all:
                return
            if not asked and self._approved[tool] > 0:
                self._approved[tool] -= 1
                return
            call = tool_call(tool, arguments)
            consent = self.consent
            if consent.allowed:
                if not self._warned:
                    self._warned = True
                    consent.warn(f"running tools with arguments a recording from elsewhere chose, as --yes "
                                 f"allows (the first: {call})")
                return
            answer = consent.ask(call) if consent.ask is not None else NO
            self._all = answer == ALL
            if answer == NO:
                self.refusal = call
                raise RerunRefused(f"{call} was not run: {not_here()}")
            if asked:
                self._approved[tool] += 1


def asked_calls(outputs: object) -> list[tuple[str, object]]:
    """The tool calls (name, arguments) an LLM call's recorded outputs ask for (`outputs.tool_calls[]`, as the
    tracer keeps them for every API)."""
    calls = outputs.get("tool_calls") if isinstance(outputs, dict) else None
    if not isinstance(calls, list):
        return []
    return [(str(call.get("name")), call.get("arguments")) for call in calls if isinstance(call, dict)]


def tool_call(tool: str, arguments: object) -> str:
    """`shell({"cmd": "touch x"})`, as one line of safe text, its arguments cut at SHOWN_ARGUMENTS (arguments an API
    sends as JSON text are shown as the JSON they hold)."""
    if isinstance(arguments, str):
        try:
            arguments = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            pass
    try:
        text = orjson.dumps(arguments, option=orjson.OPT_NON_STR_KEYS, default=repr).decode()
    except TypeError:  # orjson's JSONEncodeError among them
        text = repr(arguments)
    if len(text) > SHOWN_ARGUMENTS:
        text = f"{text[:SHOWN_ARGUMENTS]}... ({len(text)} characters)"
    return shown(f"{tool}({text})")
