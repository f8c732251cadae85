"""The rerun inside the tracer: `tracer.rerun` while `replay --rerun` runs the app.

The tracer tells it of every span that opens (`opened`), so it knows each span's path; a replayable
call asks it for an answer (`answer`): a mock for the call if one is set, else the recorded result of
its recorded twin (`twins.py`: a request by what it asks, a tool by the id the model gave it, any other
call by its place or, with `match="inputs"`, by its inputs). A call with no match runs live
(`on_miss="live"`) or stops the app with the nearest candidates. What it matches by, what a miss does and what runs
for real is its `Policy` (`policy.py`): one value for a plain rerun, a fork, `verify`, `bisect` or a golden run.
Once the rerun has parted from the recording, or from the first call with `strict`, a call is answered
only if it asks what its recorded twin asked (`parting.py`).
A stepper (`--rerun --step`) sees each answer first and may accept, replace it or run the call live.

An `llm` span made from an OpenTelemetry span only watches the SDK call it wraps: nothing of ours can answer it,
and its request (its `http` child) is what the rerun answers. A mock naming the `llm` span is given to that request.

A tool whose body runs again while the recording has its twin (`--live-tools`, `live` at the console, a
tool seen only through OpenTelemetry) is counted as `reran`, not live: what it returned is compared with
what the recording has, as every other event is, so it is judged by what it did, whoever recorded it;
one that returned something else parts the run there (`ended`).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Protocol

from ..model.rerun_protocol import (ENDED_BY_STOP, FORKED, GIVEN, LIVE, MOCKED, RECORDED, REPLACED, RERAN, AnsweredSpan,
                                    Asked, Named, RequestSpec, RerunMiss, RerunStop, stopped_by)
from ..model.values import CodecError
from ..model.json_types import Foreign, JsonObject, JsonValue
from ..otel.passthrough import OTEL_SOURCE
from ..recording.mocks import Mock
from .answers import Answer, Unanswerable, from_recording, from_value, mark
from .candidates import LiveCall, Miss, nearest
from ..recording.call_paths import ROOT, PathCounter, step_label
from .ran_again import result_of
from .parting import Parting
from .policy import PLAIN, Policy
from ..recording.calls import RecordedCall, Recording
from .twins import Twins


@dataclass
class Decision:
    """What the stepper chose: `accept` the answer, `replace` it with `value`, or run the call `live`."""

    action: str
    value: JsonValue = None


class Stepper(Protocol):
    """What stops the rerun before a call and decides its answer (`--step`, `--break`, `--commands`: the
    shell's `RerunConsole`); `errors` counts the mistakes among its commands (the rerun then exits 1)."""

    @property
    def errors(self) -> int: ...

    def decide(self, call: PendingCall) -> Decision: ...


@dataclass
class PendingCall:
    """A replayable call about to be answered, as the stepper shows it."""

    live: LiveCall
    path: str
    recorded: RecordedCall | None
    answer: Answer | None  # None: the call will run live
    codec: Foreign
    miss: str | None = None
    generator: bool = False  # the call yields items: a replacement is the list of them
    on_miss: str = "error"  # what accepting a call with no answer does: stop the run (error) or run it live
    fork: str | None = None  # the fork's own call: its change (`model gpt-4o`), as the console says it

    def view(self) -> JsonObject:
        """The call as breakpoint conditions and `p` see it: the fields of its start event, and the
        result about to be returned (`outputs`, `error`)."""
        view: JsonObject = {"component": self.live.component, "name": self.live.name,
                                "event_type": f"{self.live.prefix}_start", "inputs": self.live.inputs,
                                "key": self.live.key, "path": self.path}
        if self.answer is not None:
            view["outputs"] = self.answer.outputs
            view["source"] = self.answer.source
            if self.answer.error is not None:
                view["error"] = {"type": type(self.answer.error).__name__, "message": str(self.answer.error)}
        if self.recorded is not None:
            view["recorded"] = self.recorded.key
        return view


@dataclass
class AnswerLog:
    """What the rerun did with its calls: how each was answered, the misses, the mocks used."""

    counts: Counter[str] = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    mocked: list[str] = field(default_factory=list)  # the keys of mocked (or replaced) calls, in order
    used_mocks: set[str] = field(default_factory=set)
    unhooked_tools: int = 0  # tools no hook of ours holds (seen on the wire, or through OpenTelemetry): they ran


class Rerun:
    """Answers a rerun's calls from a recording, as its policy says, with mocks and a stepper."""

    answered_here = False  # a bare rerun knows no seals: its new run is not sealed as written here (launch/guard.py)

    def __init__(self, recording: Recording, policy: Policy = PLAIN, *, mocks: dict[str, Mock] | None = None,
                 stepper: Stepper | None = None, inputs_of: Callable[[str, Foreign], Foreign] | None = None):
        self.recording = recording
        self.policy = policy
        self.reached = False  # the policy's changed call (a fork's) was reached: what follows is past the change
        self.parting = Parting(recording, policy.strict)  # where the rerun parted; strict matching from there
        self.mocks = list((mocks or {}).values())
        self.stepper = stepper
        self.inputs_of = inputs_of or (lambda event_type, inputs: inputs)
        self.tally = AnswerLog()
        self._lock = threading.Lock()
        self._counter = PathCounter(recording.table)
        self._spans: dict[str, tuple[int, int]] = {}  # span id -> (path, N among its component:name)
        self._numbers: Counter[tuple[str, str]] = Counter()
        self._served: set[int] = set()
        self._reran: dict[str, RecordedCall] = {}  # a tool run again's span id -> its recorded twin
        self._llm_spans: dict[str, AnsweredSpan] = {}  # the open `llm` spans: one from OpenTelemetry only watches
        self._stopped = False  # a span ended with a stop (`_unwound`): what fails from now on, the stop unwound
        self.twins = Twins(recording, policy.match, self._served)

    @property
    def parted(self) -> str | None:
        """The key of the call where the rerun parted from the recording; None while it has not."""
        return self.parting.call

    @property
    def parted_how(self) -> str | None:
        """How it parted: `mocked`, `replaced`, `forked` or `live`."""
        return self.parting.how

    def part(self, key: str, how: str) -> None:
        """Mark where the rerun parted from its recording (`Parting.part`): from then on every call is
        matched strictly."""
        self.parting.part(key, how)

    def end_attrs(self) -> JsonObject:
        """What the new run's `run_end` says of the rerun: where it parted (`parted`), when it did."""
        return self.parting.end_attrs()

    # -- the tracer's side ---------------------------------------------------------------------
    def opened(self, span: AnsweredSpan, attrs: JsonObject | None = None) -> None:
        """Give a newly opened span its path (and its number among calls of its component and name); keep a
        tool's call id and the LLM call that asked for it (`attrs`, its start's)."""
        with self._lock:
            parent = self._spans.get(span.parent_id, (ROOT, 0))[0] if span.parent_id is not None else ROOT
            path = self._counter.child(parent, step_label(span.component, span.prefix, span.name))
            key = (span.component, span.name)
            self._numbers[key] += 1
            self._spans[span.span_id] = (path, self._numbers[key])
            if span.component == "llm":
                self._llm_spans[span.span_id] = span
            self.twins.opened(span, attrs)

    def answer(self, asked: Asked, span: AnsweredSpan, inputs: Foreign) -> Answer | None:
        """The answer for a replayable call, or None to run it live. Raises RerunMiss on a miss.

        A failure of our own stops the rerun (RerunStop) rather than letting the call run for real."""
        try:
            return self._answer(asked, span, inputs)
        except (RerunStop, KeyboardInterrupt):
            raise
        except Exception as error:
            raise RerunStop(f"namel3ss-debug could not answer {asked.component}:{asked.name}: "
                            f"{type(error).__name__}: {error}") from error

    def _answer(self, spec: Asked, span: AnsweredSpan, inputs: Foreign) -> Answer | None:
        # A value typed by the user (a mock, a replacement at the console) may be checked more strictly
        # than a recorded one, which the app once got as it is: the spec's `mock_codec`, if it has one.
        request = spec if isinstance(spec, RequestSpec) else None
        with self._lock:
            live = self._live_call(spec, span, inputs)
            typed = _for_call(spec.mock_codec or spec.codec, live.key)
            at_change = self._at_change(live)
            strict = self.parting.strictly
            recorded = self.twins.find(live, request, span.span_id, strict)
            if recorded is not None and request is not None:
                self.twins.note_asker(span, recorded)
            mock = self._mock_for(live, recorded.number if recorded is not None else live.number) \
                if not at_change else self.policy.changed_answer()
            if mock is None and request is not None and not at_change:
                mock = self._watched_mock(span)
            if mock is not None:
                self.tally.used_mocks.add(mock.key.text)
            runs = (mock is None and self.policy.live_tools and spec.component == "tool") \
                or self.policy.sends(spec.component, at_change, self.reached)  # run for real, as asked
            miss_why = self.parting.asks_otherwise(live, recorded) if strict and mock is None and not runs else None
            if miss_why is not None:
                recorded = None  # its twin asked something else: no stale answer
            answer: Answer | None = None
            try:
                if runs or miss_why is not None:
                    answer = None
                elif mock is not None:
                    answer = from_value(FORKED if at_change else MOCKED, mock.value, typed,
                                        recorded.key if recorded else None, spec.generator)
                elif recorded is not None:
                    answer = from_recording(self.recording.result(recorded), spec.codec, recorded.key,
                                            self.recording.where(recorded), spec.generator)
                else:
                    miss_why = self._nothing_here(live, request, strict)
            except Unanswerable as error:
                miss_why = str(error)
            except CodecError as error:
                raise RerunMiss(f"{live.key}: {error}") from None
            if miss_why is not None and self.policy.fallback is not None:
                answer = self._fall_back(live, typed, spec.generator)
                miss_why = None if answer is not None else miss_why
            if recorded is not None and answer is not None:
                self._served.add(recorded.start)
            pending = PendingCall(live, self.recording.table.text(live.path), recorded, answer, typed, miss_why,
                                  spec.generator, self.on_miss_for(spec.component),
                                  self.policy.change_text if at_change else None)
            if miss_why is not None and pending.on_miss == "error" and self.stepper is None:
                raise self._miss(pending)
        if self.stepper is not None:
            answer = self._step(pending)
        with self._lock:
            # a twin whose result could not be given (a miss let through) has nothing to judge the call by
            source = answer.source if answer is not None \
                else self._ran(span, spec.component, recorded if pending.miss is None else None)
            self.tally.counts[source] += 1
            if source in GIVEN:
                self.tally.mocked.append(live.key)
            if source in (MOCKED, REPLACED, LIVE):  # its answer is not the recording's: the run parts here
                self.part(recorded.key if recorded is not None else live.key, source)
            if answer is None:
                mark(span, source, recorded.key if recorded else None)
            elif answer.note is not None and answer.source == RECORDED:
                self.tally.notes.append(answer.note)
        return answer

    def _fall_back(self, live: LiveCall, codec: Foreign, generator: bool) -> Answer | None:
        """The fallback's answer for a call that would miss, as a mock's (it is not the recording's)."""
        try:
            return self.policy.fallback(live, codec, generator)  # type: ignore[misc]
        except CodecError as error:
            raise RerunMiss(f"{live.key}: {error}") from None

    # -- the policy's change (a fork's: fork_policy.py) ------------------------------------------
    def live_request(self, api: str, body: JsonValue, url: str) -> tuple[JsonValue, str]:
        """An LLM request before its span opens: the body the policy sends (and the span records), and the URL it
        goes to if it runs live. Its number is the one `opened` is about to give it."""
        with self._lock:
            at_change = self.policy.change_at("llm", api, self._numbers["llm", api] + 1) is not None
            self.reached = self.reached or at_change
            return self.policy.request(api, body, url, at_change, self.reached)

    def _at_change(self, live: LiveCall) -> bool:
        """Whether this is the call the policy changes (a fork's): the rerun parts from its recording here."""
        key = self.policy.change_at(live.component, live.name, live.number)
        if key is None:
            return False
        self.reached = True
        self.part(key, "forked")
        return True

    def on_miss_for(self, component: str) -> str:
        """What a miss of a call of `component` does, as the policy says (`Policy.on_miss_for`): stop the run
        (`error`) or run it live (`live`), told whether the rerun is past its change (`Policy.changed`)."""
        return self.policy.on_miss_for(component, self.policy.changed(self.reached, self.parted is not None))

    def _ran(self, span: AnsweredSpan, component: str, recorded: RecordedCall | None) -> str:
        """How a call that runs for real counts: a tool with a recorded twin ran again and is judged by
        its result (`reran`, its twin served; `ended` compares them); anything else ran live."""
        if component != "tool" or recorded is None:
            return LIVE
        self._served.add(recorded.start)
        self._reran[span.span_id] = recorded
        return RERAN

    def ended(self, span: AnsweredSpan, event: JsonObject) -> None:
        """A span of the rerun ended with `event`: a tool that ran again and returned something else than its
        recorded twin parts the run there (`Parting.returned`), so what follows is matched strictly; one that
        failed after a stop was made is the stop's doing (`_unwound`)."""
        with self._lock:
            twin = self._reran.pop(span.span_id, None)
            self._llm_spans.pop(span.span_id, None)
            self._unwound(event)
        if twin is not None:  # what it returned, each field as the trace records it (redacted, cut, JSON)
            kind = str(event.get("event_type"))
            self.parting.returned(twin, result_of({**event, "outputs": self.inputs_of(kind, event.get("outputs")),
                                                   "error": self.inputs_of(kind, event.get("error"))}))

    def _unwound(self, event: JsonObject) -> None:
        """A span that ends failed once the rerun has stopped the app (a miss of ours, or any stop whose span ended
        first: a refused tool, a quit) fails because the stop unwinds the app: a task the framework or asyncio
        cancels (`CancelledError`), an error raised around the stop. Whatever its type, it is no failure of the
        app's: marked `attrs.ended_by: stop` (`model/rerun_protocol.unwound_by_stop`), its error kept as it was."""
        if event.get("status") != "failed":
            return
        error = event.get("error")
        if stopped_by(error.get("type") if isinstance(error, dict) else None) is not None:
            self._stopped = True  # the stop's own span: the innermost, so it ends before what it unwinds
            return
        attrs = event.get("attrs")
        attrs = attrs if isinstance(attrs, dict) else {}
        if (self._stopped or self.tally.misses) and "ended_by" not in attrs:
            event["attrs"] = {**attrs, "ended_by": ENDED_BY_STOP}

    def _nothing_here(self, live: LiveCall, request: RequestSpec | None, strict: bool) -> str:
        """Why the recording has no answer for this call (`Parting.nothing_here`); for a request that asked a
        recorded one's body with another query, that one and the query."""
        otherwise = self.twins.query_difference(request, live) if request is not None and strict else None
        return self.parting.nothing_here(live, self._served, request is not None and strict, otherwise)

    # -- matching ------------------------------------------------------------------------------
    def _live_call(self, named: Named, span: AnsweredSpan, inputs: Foreign) -> LiveCall:
        path, number = self._spans[span.span_id]  # the tracer told us of the span when it opened
        shown = self.inputs_of(f"{named.prefix}_start", inputs)
        return LiveCall(named.component, named.name, named.prefix, path, number, shown,
                        self.recording.fingerprint_of(shown))

    def _mock_for(self, live: Named, number: int) -> Mock | None:
        """The mock set last among those naming this call: `number` is the N of the recorded call it matched
        (its `component:name#N` in the recording), else its own N in the rerun."""
        end_type = f"{live.prefix}_end"
        for mock in reversed(self.mocks):
            key = mock.key
            if key.event_type is not None:
                if key.event_type == end_type:
                    return mock
            elif key.component == live.component and key.name == live.name \
                    and (key.number is None or key.number == number):
                return mock
        return None

    def _watched_mock(self, span: AnsweredSpan) -> Mock | None:
        """The mock of the OpenTelemetry `llm` span a request was sent inside (the span only watches the call,
        and this request is what answers it), by the recorded call at the span's place, else its number here."""
        parent = self._llm_spans.get(span.parent_id) if span.parent_id is not None else None
        attrs = parent.attrs if parent is not None else None
        if parent is None or not isinstance(attrs, dict) or attrs.get("source") != OTEL_SOURCE:
            return None
        path, number = self._spans[parent.span_id]
        twin = self.recording.by_path.get(path)
        if twin is not None and (twin.component, twin.name) == (parent.component, parent.name):
            number = twin.number
        return self._mock_for(parent, number)

    def ran(self, span: AnsweredSpan, inputs: Foreign = None) -> None:
        """A call that runs for real because nothing of ours can answer it (a span seen only through
        OpenTelemetry): a tool is matched to its recorded twin as an answered call would be, and counts
        as `reran` when it has one; an LLM call, or a tool the recording lacks, counts as live."""
        with self._lock:
            recorded = self.twins.find(self._live_call(span, span, inputs), None, span.span_id, False) \
                if span.span_id in self._spans else None
            source = self._ran(span, span.component, recorded)
            self.tally.counts[source] += 1
            self.tally.unhooked_tools += span.component == "tool"
        mark(span, source, recorded.key if recorded is not None else None)

    def refused(self, call: str, why: str) -> RerunMiss:
        """What the network guard refused in the rerun (`connect HOST:PORT`, `sendto ...`, `resolve NAME`):
        a miss with no recorded call to offer."""
        miss = Miss(call, "-", None, why)
        with self._lock:
            self.tally.misses.append(miss)
        return RerunMiss(f"{call}: {why}", miss)

    def _miss(self, pending: PendingCall) -> RerunMiss:
        live = pending.live
        candidates = nearest(self.recording, live, self._served, self.policy.match == "inputs")
        miss = Miss(live.key, pending.path, live.inputs, pending.miss or "no match", candidates)
        self.tally.misses.append(miss)
        return RerunMiss(f"{live.key} at {pending.path}: {miss.why}", miss)

    def _step(self, pending: PendingCall) -> Answer | None:
        decision = self.stepper.decide(pending)  # type: ignore[union-attr]
        if decision.action == "replace":
            key = pending.recorded.key if pending.recorded is not None else None
            try:
                return from_value(REPLACED, decision.value, pending.codec, key, pending.generator)
            except CodecError as error:
                raise RerunMiss(f"{pending.live.key}: {error}") from None
        if decision.action == "live":
            return None
        if pending.answer is None and pending.miss is not None and pending.on_miss == "error":
            raise self._miss(pending)  # accepting a call the recording cannot answer stops the run
        return pending.answer


def _for_call(codec: Foreign, key: str) -> Foreign:
    """The codec a typed value of the rerun's call `key` is built with: a request's mock codec made for that call
    (`for_call`: the tool call ids it makes are the call's own), any other as it is."""
    made = getattr(codec, "for_call", None)
    return made(key) if callable(made) else codec
