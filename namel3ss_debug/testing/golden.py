"""A test answered from its golden run: `@pytest.mark.n3replay` (the pytest plugin holds the pytest side).

The record mode says what a test does with its golden file (`GoldenPlan.action`):
- `none` (the default, and what CI runs): replay it; the network stays closed, and a test without one fails;
- `once`: record it when the file is missing, else replay it;
- `new`: replay it, and let the calls it lacks run for real; the file is then written again from the new run
  (every call it answered keeps its recorded answer; calls the test no longer makes are gone);
- `rewrite`: record it again from scratch.
A replay is the rerun's (`rerun/answerer.py`), in the test's own process: every LLM and HTTP request is answered
by what it asks (its inputs exactly, volatile values and secrets masked: `golden_secrets.py`; the same request
twice in order; concurrent agents apart), a hooked tool by the id the model gave it, or by its inputs; tools run
for real with `tools="live"`. A call the golden run lacks fails the test (`golden_miss.py` says which and what
changed). A recording is kept only when the test passed (`golden_files.py` writes it).
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..launch.choosing import Consent, not_here
from ..launch.closing import Closing, closed_network
from ..launch.guard import GuardedRerun
from ..launch.rerun import placeholder_keys, recorded_form
from ..model.errors import ConfigError
from ..model.fs import Folder, private_temporary_folder
from ..model.rerun_protocol import LIVE
from ..recording.load import load_timeline
from ..recording.call_paths import PathTable
from ..rerun.answerer import Rerun
from ..rerun.candidates import Miss
from ..rerun.fork_policy import rerun_policy
from ..recording.calls import Recording
from ..rerun.steady import Steady, bad_pattern
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import RunSource
from ..tracer.api import get_tracer
from .golden_files import golden_lines, golden_run_id, read_events, restored, write_golden
from .golden_miss import compared
from .golden_secrets import InputMasks

RECORD_MODES = ("none", "once", "new", "rewrite")
TOOL_POLICIES = ("recorded", "live")
RECORD, REPLAY, EXTEND, MISSING = "record", "replay", "extend", "missing"
RERUN_MARKS = ("replay", "replay_of")  # what a rerun adds to its spans' attrs: not the golden run's
ANSWERED = ("llm", "http", "tool")  # the components whose calls a golden run answers
COPY = "golden.jsonl"  # the golden run made this checkout's, in a private folder of its own
COPY_SHAPE = re.compile(re.escape(COPY))


@dataclass(frozen=True)
class GoldenPlan:
    """What one test does with its golden run: the file, the record mode, the tools' policy, the user's
    volatile patterns, the project directory paths in it are relative to, the test's node id, and pytest's
    temporary directory of the session (written `<tmp>`)."""

    path: Path
    mode: str
    tools: str
    volatile: tuple[str, ...]
    root: Path
    nodeid: str
    temp: Path | None = None
    trusted: bool = False  # --n3-trust-golden: a golden run not recorded here may choose live tools' arguments

    def __post_init__(self) -> None:
        if self.mode not in RECORD_MODES:
            raise ConfigError(f"record mode {self.mode!r} is not one of {', '.join(RECORD_MODES)}")
        if self.tools not in TOOL_POLICIES:
            raise ConfigError(f"tools={self.tools!r} is not one of {', '.join(TOOL_POLICIES)}")
        for pattern in self.volatile:
            why = bad_pattern(pattern)
            if why is not None:
                raise ConfigError(f"volatile: {why}")

    @property
    def action(self) -> str:
        """`record`, `replay`, `extend` (replay, recording what it lacks) or `missing` (replay, but no file)."""
        if self.mode == "rewrite":
            return RECORD
        if not self.path.is_file():
            return RECORD if self.mode in ("once", "new") else MISSING
        return EXTEND if self.mode == "new" else REPLAY

    @property
    def shown(self) -> str:
        """The golden file's path as messages give it: relative to the project when it is inside."""
        try:
            return str(self.path.relative_to(self.root))
        except ValueError:
            return str(self.path)


@dataclass
class GoldenSession:
    """One test's golden run while the test runs: `begin` before its run starts, `finish` once it ended."""

    plan: GoldenPlan
    action: str = ""
    rerun: Rerun | None = None
    guarded: GuardedRerun | None = None  # the rerun as the tracer holds it, with its consent (`choosing`)
    written: bool | None = None  # after `finish`: whether the golden file was written (None: not to be)
    answered_here: bool = False  # the golden run that answers the test was written here (model/seals.py)
    why_not: str | None = None  # why a recording was not kept
    reported: int = 0  # how many of the misses the test's reports have told
    copy: str | None = None  # the path the golden file was read from, when not its own (`<project>` restored)
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _copy: Folder | None = None
    _closing: Closing | None = None

    def begin(self) -> dict[str, Any]:
        """Answer the test's calls from its golden run, or let them run to record it; the attrs its run starts
        with (`replay_of`, for a replay). Raises GoldenMissing in `none` mode without a golden file."""
        from ..launch.capture import capture_calls  # noqa: PLC0415 - the clients and frameworks the test imports

        self.action = self.plan.action
        if self.action == MISSING:
            raise GoldenMissing(self.plan)
        capture_calls()
        if self.action == RECORD:
            return {}
        self._stack.enter_context(placeholder_keys(os.environ))  # before the masks read the keys (golden_secrets)
        recording = self._recording()
        on_miss = "live" if self.action == EXTEND else "error"
        live = self.plan.tools == "live"
        golden = Consent(allowed=self.plan.trusted).choosing([str(self.plan.path)], os.environ)
        self.answered_here = golden.trusted  # an extended golden run keeps its seal only then
        choosing = golden if live else None
        policy = rerun_policy("inputs", on_miss, live, None, strict=True)
        self.rerun = Rerun(recording, policy, inputs_of=recorded_form)
        self.guarded = GuardedRerun(self.rerun, choosing)
        tracer = get_tracer()
        tracer.rerun = self.guarded
        self._stack.callback(setattr, tracer, "rerun", None)
        self._closing = self._stack.enter_context(closed_network(self.guarded, own_process=False, namespace=False))
        return {"replay_of": {"run_id": golden_run_id(self.plan.nodeid), "trace": self.plan.shown,
                              "match": "inputs", "golden": self.plan.mode}}

    def _recording(self) -> Recording:
        """The golden run, its `<project>` made this checkout's directory (a copy when it has any); its calls
        are compared with the replay's by their inputs masked (`golden_secrets.py`)."""
        data = self.plan.path.read_bytes()
        path = self.plan.path
        made = restored(data, self.plan.root, self.plan.temp)
        if made is not data:  # in a folder of ours, read through the descriptor held: never a file swapped in
            self._copy = private_temporary_folder("n3golden-")
            with self._copy.create(COPY) as stream:
                stream.write(made)
            self.copy = self._copy.held(COPY)
            path = Path(self.copy)
        timeline = load_timeline(RunSource(self.plan.shown, (str(path),)), TraceReader(ReadProblems()))
        self._stack.callback(timeline.close)
        return Recording(timeline, PathTable(), InputMasks(Steady(self.plan.volatile), os.environ))

    @property
    def misses(self) -> list[Miss]:
        """The calls the golden run had no answer for (and the network the guard refused), in order, each
        nearest recorded call's difference said of the inputs as they were compared (`golden_miss.compared`)."""
        if self.rerun is None:
            return []
        return [compared(miss, self.rerun.recording) for miss in self.rerun.tally.misses]

    @property
    def refused(self) -> str | None:
        """Why the test stopped before a live tool whose arguments a golden run not recorded here chose
        (`launch/choosing.py`), as its failure says it; None when none was refused."""
        choosing = self.guarded.choosing if self.guarded is not None else None
        if choosing is None or choosing.refusal is None:
            return None
        return (f"n3replay: not running {choosing.refusal}: {not_here('a golden run')} "
                f"({self.plan.shown}); read it, then record it again here with --n3-record=rewrite, or let it choose "
                "with --n3-trust-golden")

    @property
    def unused(self) -> list[str]:
        """The golden run's LLM, HTTP and tool calls the test did not make (none was answered from them), each as
        `llm:openai.chat#3 (golden/test_app/test_x.jsonl:9)`; empty when nothing was replayed."""
        if self.rerun is None:
            return []
        recording, served = self.rerun.recording, self.rerun.twins.served
        places = ((call.key, recording.where(call)) for call in recording.calls
                  if call.component in ANSWERED and call.start not in served)
        return [f"{key} ({where.replace(self.copy, self.plan.shown) if self.copy else where})"
                for key, where in places]

    @property
    def live(self) -> int:
        """How many calls ran for real (in `new` mode: those the golden run lacks)."""
        return self.rerun.tally.counts[LIVE] if self.rerun is not None else 0

    def shown(self, text: str) -> str:
        """A message about the golden file with its path as messages give it (`plan.shown`): not the temporary
        copy it was read from, nor its absolute path."""
        for path in (self.copy, str(self.plan.path)):
            if path:
                text = text.replace(path, self.plan.shown)
        return text

    def close(self) -> None:
        """Stop answering: the network opens again, the placeholder keys go (idempotent)."""
        self._stack.close()
        if self._copy is not None:
            self._copy.remove_tree(COPY_SHAPE)
            self._copy.close()
            self._copy = None

    def finish(self, paths: list[Path], outcome: str) -> None:
        """After the test's run ended (its files are `paths`): keep its recording as the golden run when the
        test passed and there is something to keep."""
        self.close()
        if self.action == RECORD or (self.action == EXTEND and self.live):
            if outcome != "passed":
                self.why_not = f"the test {outcome}: its run is not kept as the golden run"
                return
            if not paths:
                self.why_not = "the test's run wrote no trace file"
                return
            events = read_events(paths)
            if self.action == EXTEND:
                events = (_without_rerun_marks(event) for event in events)
            try:
                lines = golden_lines(events, nodeid=self.plan.nodeid, root=self.plan.root, target=self.plan.path,
                                     temp=self.plan.temp)
                # extended from a golden run not written here: its answers are a stranger's, so it is not sealed
                self.written = write_golden(self.plan.path, lines, seal=self.action == RECORD or self.answered_here)
            except OSError as error:
                raise GoldenUnwritten(f"cannot write the golden run {self.plan.shown}: "
                                      f"{error.strerror or error}; the test's run is {paths[0]}") from None


class GoldenUnwritten(Exception):
    """A recording that could not be written as the golden file (the message says why, and where the run is)."""


class GoldenMissing(Exception):
    """A test to replay whose golden file does not exist (record mode `none`)."""

    def __init__(self, plan: GoldenPlan):
        super().__init__(f"no golden run at {plan.shown}: record it once with --n3-record=once (or "
                         f"@pytest.mark.n3replay(record=\"once\")), which calls the model for real, then commit it")


def _without_rerun_marks(event: dict[str, Any]) -> dict[str, Any]:
    """An event of a rerun as the recording it becomes says it: no `replay` marks, no `replay_of`, no `parted`."""
    attrs = event.get("attrs")
    if not isinstance(attrs, dict):
        return event
    drop = RERUN_MARKS + ("parted",) if event.get("event_type") in ("run_start", "run_end") or \
        any(key in attrs for key in RERUN_MARKS) else ()
    return {**event, "attrs": {key: value for key, value in attrs.items() if key not in drop}}
