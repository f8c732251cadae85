"""A rerun's report: what answered the calls, the first divergence, how each run ended."""

from __future__ import annotations

from dataclasses import dataclass

from ..analysis.failed_run import ended_as
from ..recording.endpoints import live_origins
from ..recording.timeline import Timeline
from ..rerun.candidates import Miss, mock_instead, unmockable
from .compare import Comparison, compare
from ..rerun.network import Network
from ..rerun.ran_again import RanAgain, ran_again
from ..recording.calls import Recording, run_end
from ..rerun.answerer import Rerun
from ..model.json_types import JsonEvent, JsonValue
from ..recording.mocks import Mock, MockKey

SCHEMA = "namel3ss-debug/rerun/v1"
SOURCES = ("recorded", "mocked", "replaced", "forked", "reran", "live")  # the report's counts, and `missed`


@dataclass(frozen=True)
class RunEnding:
    """How a run ended, from its `run_end` (None fields: not recorded): a run its rerun stopped is `stopped`, with
    why (`stopped`: `no recorded answer`...), as every view says it (`analysis/failed_run.ended_as`)."""

    status: str
    exit_code: int | None = None
    error_type: str | None = None
    error_message: str | None = None
    stopped: str | None = None

    @classmethod
    def of(cls, event: JsonEvent | None) -> RunEnding:
        if event is None:
            return cls("did not end (no run_end: the process was killed or the trace was cut)")
        attrs = event["attrs"] if isinstance(event.get("attrs"), dict) else {}
        error = event["error"] if isinstance(event.get("error"), dict) else {}
        code = attrs.get("exit_code")
        status, stopped = ended_as(str(event.get("status") or "?"), error.get("type"))
        return cls(status or "?", code if isinstance(code, int) else None, _text(error.get("type")),
                   _text(error.get("message")), stopped)


def _text(value: JsonValue) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class UnusedMock:
    """A `--mock` that answered no call of a rerun that ran to its end, and the recorded calls to mock instead:
    the request its call sent (`request`: an OpenTelemetry `llm` span's `http` child), else the recording's calls
    of its kind nearest to it. `said` is the one line that tells it."""

    key: str
    instead: tuple[str, ...]
    request: bool
    said: str


def unused_mock(recording: Recording, mock: Mock) -> UnusedMock:
    """A mock that answered no call, with what to mock instead (`candidates.mock_instead`)."""
    key = mock.key
    instead, request = mock_instead(recording, key)
    said = f"--mock {key.text} answered no call of the rerun"
    unhooked = unmockable(recording, key)
    if unhooked is not None:
        said += _runs_again(key, *unhooked, instead)
    elif request:
        said += f"; mock {', '.join(instead)} instead (the request it sent, which the rerun answers)"
    elif instead:
        said += f"; the recording's nearest {key.component} calls: {', '.join(instead)}"
    elif key.component is not None:
        said += f"; the recording has no {key.component} calls"
    return UnusedMock(key.text, instead, request, said)


def _runs_again(key: MockKey, seen: str, reader: str | None, tools: tuple[str, ...]) -> str:
    """Why a mock of a tool that runs again answered nothing, and the calls a mock can answer instead."""
    said = f": {key.component}:{key.name} runs again in a rerun (seen {seen}, no hook of ours holds its body)"
    if tools:
        return f"{said}; tools a mock can answer: {', '.join(tools)}"
    if reader is not None:
        return f"{said} and no recorded tool can be mocked; mock {reader} instead (the model's next answer)"
    return f"{said}, as every recorded tool does"


@dataclass(frozen=True)
class RerunReport:
    source_run: str | None
    source: str
    new_run: str | None
    new_trace: tuple[str, ...]
    command: tuple[str, ...]
    cwd: str
    match: str
    on_miss: str
    counts: dict[str, int]  # recorded, mocked, replaced, forked, reran, live, missed
    mocked: tuple[str, ...]
    misses: tuple[Miss, ...]
    notes: tuple[str, ...]
    comparison: Comparison | None
    old_ending: RunEnding
    new_ending: RunEnding
    exit_code: int
    network: Network | None = None  # how the network was closed while the app ran (rerun/network.py)
    unhooked_tools: int = 0  # tool calls no hook holds, whose bodies ran again (each counted in `reran` or `live`)
    ran_again: tuple[RanAgain, ...] = ()  # the tools that ran again with a recorded twin: both results
    parted: str | None = None  # the call where the rerun parted from the recording (Rerun.parted)
    parted_how: str | None = None  # how: mocked, replaced, forked or live
    fork: dict[str, JsonValue] | None = None  # --fork: its call, change and model, as run_start's replay_of.fork
    unused_mocks: tuple[UnusedMock, ...] = ()  # mocks that answered no call of a rerun that ran to its end: exit 2
    live_endpoints: tuple[str, ...] = ()  # where its LLM calls that ran live went (the new trace's URLs' origins)

    @property
    def reproduced(self) -> bool:
        """Every call was answered from the recording or, for a tool that ran again, returned what the
        recording has (none ran live, at least one was answered from the recording), the app neither used nor tried the
        network, and the rerun said and did what the recording did, event for event, and ended the same way."""
        return self.not_reproduced is None

    @property
    def not_reproduced(self) -> str | None:
        """Why the rerun is not a reproduction of the recording, or None when it is."""
        c = self.comparison
        if self.unused_mocks:
            return self.unused_mocks[0].said
        if self.misses:
            return f"{self.counts['missed']} call(s) had no recorded answer"
        if self.new_ending.stopped is not None:  # a mock's answer that could not be given, a quit at the console
            return f"stopped: {self.new_ending.stopped}"
        if self.counts.get("live"):
            return f"{self.counts['live']} call(s) ran live instead of being answered from the recording"
        if self.network is not None and self.network.not_reproduced is not None:
            return self.network.not_reproduced
        if not any(self.counts.get(source) for source in ("recorded", "mocked", "replaced", "forked")):
            if self.counts.get("reran"):  # a run that ran all over again, however alike, was answered by nothing
                return "nothing was answered from the recording: every call the rerun made ran again"
            return "nothing was answered from the recording: the rerun made no call the recording could answer"
        if c is None:
            return "the rerun wrote no trace to compare"
        if c.first is not None:
            return "the rerun diverged from the recording"
        if self.old_ending != self.new_ending:
            return "the rerun ended differently"
        return None


def build_report(source: str, recording: Recording, rerun: Rerun, outcome_code: int, new: Timeline | None,
                 new_paths: tuple[str, ...], command: tuple[str, ...], cwd: str,
                 network: Network | None, stopped: bool = False) -> RerunReport:
    """The report of a rerun that ran: `outcome_code` is the app's exit code, `new` the new run's
    timeline (None when it wrote no trace), `network` how the network was closed, `stopped` whether the app was
    stopped (a miss, a quit) before it could end. Exit 2 when a mock answered no call of a rerun that was not
    stopped (it named no call the app makes); else 1 when a call missed or ran live, the network was used or
    tried, or the app failed."""
    tally = rerun.tally
    unused = [mock for mock in rerun.mocks if mock.key.text not in tally.used_mocks]
    notes = [*tally.notes, *(f"--mock {mock.key.text} answered no call before the rerun was stopped"
                             for mock in unused if stopped)]
    unused_mocks = () if stopped else tuple(unused_mock(recording, mock) for mock in unused)
    if network is not None and network.note is not None:
        notes.append(network.note)
    counts = {name: tally.counts.get(name, 0) for name in SOURCES}
    counts["missed"] = len(tally.misses)
    return RerunReport(
        source_run=recording.timeline.run_id, source=source, new_run=new.run_id if new is not None else None,
        new_trace=new_paths, command=command, cwd=cwd, match=rerun.policy.match, on_miss=rerun.policy.on_miss,
        counts=counts,
        mocked=tuple(tally.mocked), misses=tuple(tally.misses), notes=tuple(notes),
        comparison=compare(recording.timeline, new) if new is not None else None,
        old_ending=RunEnding.of(recording.end_event()), new_ending=RunEnding.of(run_end(new)),
        exit_code=2 if unused_mocks else 1 if tally.misses or tally.counts.get("live") or outcome_code != 0
        or (network is not None and network.not_reproduced is not None) else 0,
        network=network, unhooked_tools=tally.unhooked_tools,
        ran_again=ran_again(recording, new) if new is not None else (), parted=rerun.parted,
        parted_how=rerun.parted_how, unused_mocks=unused_mocks,
        live_endpoints=live_origins(new) if new is not None else ())
