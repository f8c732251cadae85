"""A call's answer from the rerun (`replay --rerun`), and how its span ends: one home for the
decorators, the HTTP transport and the namel3ss runtime's calls."""

from __future__ import annotations

from typing import Any

from ..model.rerun_protocol import Asked, ServedAnswer
from .core import Tracer
from .span import Span


def answer_for(tracer: Tracer, spec: Asked, span: Span | None, inputs: Any) -> ServedAnswer | None:
    """The rerun's answer to this call (recorded, mocked or replaced), or None to run it live.

    `spec` is a call's (`CallSpec`) or an HTTP request's (`RequestSpec`). A call the rerun cannot
    answer (a miss under `--on-miss error`) raises out of the app: its span ends failed first, so the
    new trace shows where the run stopped.
    """
    rerun = tracer.rerun
    if rerun is None or span is None:
        return None
    try:
        return rerun.answer(spec, span, inputs)
    except BaseException as exc:
        tracer.end_span(span, error=exc)
        raise


def deliver(tracer: Tracer, span: Span, answer: ServedAnswer) -> Any:
    """End the span as the recording did, then return the answer's value or raise its exception. A
    handled failure (one the framework turned into a message for the model) ends failed and returns the
    recorded message, as the framework did."""
    answer.prepare(span)
    answer.restore_attrs(span)  # the call's body, which set them, does not run
    if answer.error is not None:
        tracer.end_span(span, error=answer.error, handled=answer.handled)
        if answer.raises:
            raise answer.error
        return answer.value
    tracer.end_span(span, result=answer.value)
    return answer.value


def finish(tracer: Tracer, span: Span, answer: ServedAnswer) -> None:
    """End an answered stream's span once its items are given: as `deliver`, without the value."""
    answer.prepare(span)
    answer.restore_attrs(span)
    tracer.end_span(span, error=answer.error, handled=answer.handled)
