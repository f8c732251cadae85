"""The rerun protocol: how a rerun answers the app's calls through the tracer, and how it stops them.

The tracer, the HTTP transport and the framework integrations serve answers through this protocol;
`rerun/` implements it. Neither side imports the other: both import this.

    rerun = tracer.rerun                      # a RerunSource while `replay --rerun` runs the app, else None
    answer = rerun.answer(spec, span, inputs)   # a ServedAnswer, or None: run the call live
"""

from __future__ import annotations

from typing import Any, Protocol

# Where a served answer came from: what the new trace's `attrs.replay` says. `reran`: a tool whose body ran
# again (`--live-tools`, `live` at the console, or one seen only through OpenTelemetry, which nothing of ours
# can answer) where the recording has its twin; it is judged by what it returned, as the rest of the run is.
# `live`: a call that ran for real with no recorded twin to judge it by, or an LLM call.
RECORDED, MOCKED, REPLACED, LIVE, RERAN = "recorded", "mocked", "replaced", "live", "reran"


def rerun_of(start_attrs: Any) -> str | None:
    """The run a run reruns: the run id its `run_start.attrs.replay_of` names (`replay --rerun` writes it;
    `?` when it names none), or None for a run that is no rerun."""
    replay_of = start_attrs.get("replay_of") if isinstance(start_attrs, dict) else None
    if not isinstance(replay_of, dict):
        return None
    run_id = replay_of.get("run_id")
    return run_id if isinstance(run_id, str) else "?"


class ServedAnswer(Protocol):
    """A replayed call's result: a value (or a generator's items) or an exception, and how its span ends.
    `handled`: the exception was turned into a message for the model (the span ends failed, marked so);
    `raises`: the app gets the exception, else `value` (the message, where the call itself returned it)."""

    source: str
    value: Any
    items: list[Any]
    error: BaseException | None
    handled: bool
    raises: bool
    recorded_key: str | None
    outputs: Any

    def prepare(self, span: Any) -> None: ...

    def restore_attrs(self, span: Any) -> None: ...


class RerunSource(Protocol):
    """What the tracer holds as `replay` while a rerun runs the app."""

    on_miss: str

    def opened(self, span: Any, attrs: dict[str, Any] | None = None) -> None: ...

    def answer(self, spec: Any, span: Any, inputs: Any) -> ServedAnswer | None: ...

    def refused(self, call: str, why: str) -> BaseException: ...

    def ran(self, span: Any, inputs: Any = None) -> None: ...


class RerunStop(BaseException):
    """Ends the app's rerun from inside a traced call (a miss, a quit at the console).

    A BaseException, like KeyboardInterrupt, so that an app's `except Exception` around the call does
    not swallow it and run on with an answer that was never given.
    """


class RerunMiss(RerunStop):
    """A call the recording has no result for, under `--on-miss error`."""

    def __init__(self, message: str, miss: Any = None):
        super().__init__(message)
        self.miss = miss


class RerunQuit(RerunStop):
    """The user quit at the rerun's console."""
