"""The rerun protocol: how a rerun answers the app's calls through the tracer, and how it stops them.

The tracer, the HTTP transport and the framework integrations serve answers through this protocol;
`rerun/` implements it. Neither side imports the other: both import this.

    rerun = tracer.rerun                      # a RerunSource while `replay --rerun` runs the app, else None
    answer = rerun.answer(asked, span, inputs)  # a ServedAnswer, or None: run the call live

What is asked is either a call (`CallSpec`: a decorated function's, or a framework's or runtime's call a
hook runs) or an HTTP request (`RequestSpec`), told apart by type: a request is matched by what it asks
(`rerun/requests.py`), a call by its place. Untyped only where the app's own objects arrive (`Foreign`):
its inputs, the values served, and the codecs that rebuild them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from .json_types import Foreign, JsonObject, JsonValue

# Where a served answer came from: what the new trace's `attrs.replay` says. `reran`: a tool whose body ran
# again (`--live-tools`, `live` at the console, or one seen only through OpenTelemetry, which nothing of ours
# can answer) where the recording has its twin; it is judged by what it returned, as the rest of the run is.
# `live`: a call that ran for real with no recorded twin to judge it by, or an LLM call. `forked`: the call a
# fork changed with `--answer` (`replay --rerun --fork CALL`).
RECORDED, MOCKED, REPLACED, LIVE, RERAN, FORKED = "recorded", "mocked", "replaced", "live", "reran", "forked"
GIVEN = frozenset({MOCKED, REPLACED, FORKED})  # answers whose value the user gave: built by the call's mock codec


class Named(Protocol):
    """What names a call or a span: its component, name and event types' prefix (`llm_call`)."""

    @property
    def component(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def prefix(self) -> str: ...


class CallSpec(Named, Protocol):
    """A call the rerun may answer: a decorated function's (`tracer/decorators.py`) or one a hook runs
    (`integrations/calls.ForeignSpec`). `codec` rebuilds a recorded value as the app's type; `mock_codec`,
    when set, checks a value the user typed (a mock, a replacement) more strictly; a `generator`'s answer is
    the items it yields."""

    @property
    def codec(self) -> Foreign: ...  # a type, a callable or a framework's model class

    @property
    def mock_codec(self) -> Foreign: ...  # as `codec`, or None

    @property
    def generator(self) -> bool: ...


@dataclass(frozen=True)
class RequestSpec:
    """An HTTP request as the rerun matches it (see `rerun/requests.py`): by its endpoint and what it asks
    (its body, and its URL's `query` as the trace shows it), then by order among identical requests of the same
    thread and task (`lineage`)."""

    component: str
    name: str
    prefix: str
    method: str
    path: str
    lineage: tuple[str, str | None]
    mock_codec: Foreign = None  # an SDK's response class, when the API is known
    codec: Foreign = None
    generator: bool = False
    query: str = ""  # secrets redacted, as the trace's `attrs.http.url` has it

    @property
    def endpoint(self) -> tuple[str, str]:
        return (self.method, self.path)


Asked = CallSpec | RequestSpec  # what `RerunSource.answer` is asked about


class AnsweredSpan(Named, Protocol):
    """An open span as the rerun reads and marks it (`tracer.span.Span`)."""

    span_id: str
    parent_id: str | None
    attrs: JsonObject | None
    outputs: JsonValue  # what the app's call returned, as recorded
    usage: JsonObject | None
    model: str | None

    def set_attribute(self, key: str, value: Foreign) -> None: ...


class ServedAnswer(Protocol):
    """A rerun's answer to a call: a value (or a generator's items) or an exception, and how its span ends.
    `handled`: the exception was turned into a message for the model (the span ends failed, marked so);
    `raises`: the app gets the exception, else `value` (the message, where the call itself returned it)."""

    source: str
    value: Foreign  # the app's value, rebuilt by the call's codec
    items: list[Foreign]
    error: BaseException | None
    handled: bool
    raises: bool
    recorded_key: str | None
    outputs: JsonValue

    def prepare(self, span: AnsweredSpan) -> None: ...

    def restore_attrs(self, span: AnsweredSpan) -> None: ...


class RerunSource(Protocol):
    """What the tracer holds as `rerun` while a rerun runs the app (`rerun.answerer.Rerun`, or the launcher's
    `launch/guard.GuardedRerun` around one)."""

    # Whether every recording answering the rerun was written here: the new run is sealed only then
    # (`model/seals.py`), so a run answered from a stranger's recording is a stranger's to every command.
    @property
    def answered_here(self) -> bool: ...

    def opened(self, span: AnsweredSpan, attrs: JsonObject | None = None) -> None: ...

    def answer(self, asked: Asked, span: AnsweredSpan, inputs: Foreign) -> ServedAnswer | None: ...

    def refused(self, call: str, why: str) -> BaseException: ...

    def ran(self, span: AnsweredSpan, inputs: Foreign = None) -> None: ...

    def ended(self, span: AnsweredSpan, event: JsonObject) -> None: ...  # a span's end event, before it is written

    # An LLM request (its API's name, its body as JSON, its URL) before its span opens: the body to send and
    # record (a fork's change), and the URL it goes to if it runs live (`--base-url`).
    def live_request(self, api: str, body: JsonValue, url: str) -> tuple[JsonValue, str]: ...

    def end_attrs(self) -> JsonObject: ...  # added to the new run's `run_end` attrs (`parted`)


class RerunStop(SystemExit):
    """Ends the app's rerun from inside a traced call (a miss, a quit at the console).

    Not an Exception, so that an app's `except Exception` around the call does not swallow it and run on with
    an answer that was never given; a SystemExit, because that is what asyncio lets out of a task that no one
    awaits (a framework's background worker, as LlamaIndex's workflow steps are): it stops the event loop
    instead of leaving the app waiting for ever on a step that died.

    Made just before it is raised: each of STOP_LISTENERS hears it then (`launch/stop_noise.py`).
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        for listener in tuple(STOP_LISTENERS):
            listener(self)


# What hears each stop as it is made, before it unwinds the app: added and removed around an app's run.
STOP_LISTENERS: list[Callable[[RerunStop], None]] = []


class RerunMiss(RerunStop):
    """A call the recording has no result for, under `--on-miss error`."""

    def __init__(self, message: str, miss: object = None):  # the rerun's Miss
        super().__init__(message)
        self.miss = miss


class RerunQuit(RerunStop):
    """The user quit at the rerun's console."""


# The stops a trace can end with, by the type its `run_end.error` names (`tracer/events.type_name`), and why each
# stopped the app, in a few words: a run that ended so was stopped by its rerun, it did not crash
# (`analysis/failed_run.ended_as`). Every subclass of RerunStop is here (a test holds them equal).
STOPS = {
    "namel3ss_debug.model.rerun_protocol.RerunMiss": "no recorded answer",
    "namel3ss_debug.model.rerun_protocol.RerunStop": "the rerun could not answer a call",
    "namel3ss_debug.model.rerun_protocol.RerunQuit": "quit at the rerun's console",
    "namel3ss_debug.launch.choosing.RerunRefused": "a tool was not allowed to run",
    "namel3ss_debug.rerun.budget.BudgetSpent": "the budget of model calls was spent",
}


# `attrs.ended_by` of a span that ended failed after a rerun's stop was made (`rerun/answerer.Rerun.ended`): a task
# the framework or asyncio cancelled as the stop unwound the app, an error raised around the stop. The stop's
# doing, so no error of the app's, whatever its type (`analysis/collectors/errors.py` counts none of them).
ENDED_BY_STOP = "stop"


def unwound_by_stop(error_type: object, attrs: JsonObject) -> bool:
    """Whether a failed span's end is the stop's doing: the stop itself (`STOPS`), or a failure it unwound.

    >>> unwound_by_stop("asyncio.exceptions.CancelledError", {"ended_by": "stop"}), unwound_by_stop("ValueError", {})
    (True, False)
    """
    return stopped_by(error_type) is not None or attrs.get("ended_by") == ENDED_BY_STOP


def stopped_by(error_type: object) -> str | None:
    """Why a rerun stopped the app, when `error_type` (an error's recorded type) is one of its stops; else None.

    >>> stopped_by("namel3ss_debug.model.rerun_protocol.RerunMiss"), stopped_by("ValueError")
    ('no recorded answer', None)
    """
    return STOPS.get(error_type) if isinstance(error_type, str) else None
