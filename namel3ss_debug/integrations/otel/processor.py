"""The span processor: each OpenTelemetry span the app's providers start becomes a span of ours.

`on_start` runs in the caller's context, before the span is made current, so the span of ours it opens
is made current there too: the HTTP transport's records and our frameworks' hooks nest under it, as the
OpenTelemetry children do. The parent is the OpenTelemetry parent's span of ours when it has one (a
left-out parent, such as an HTTP client span, stands for its own nearest recorded ancestor), else our
current span. The processor observes and never changes a span; it never raises into the app.

A span whose producer sets its attributes only after starting it (Strands, Google ADK: at start it has a
name and nothing that says what it is) is classified from them when they are there: its start is held
(`tracer/held.py`) and written when something is recorded under it (a child span, a request: the producer
has set its attributes by then) or, failing that, when it ends, with what its attributes say then: agent,
LLM call or tool, its name, inputs, and a tool's call id and the LLM call that asked for it. Its start keeps
the time it began, so the tree is what the producer's is: agent > llm > tool. A span that says what it is
when it starts is recorded at once, as it always was.

Spans a hook of ours records already (a framework that emits its own, as autogen-core does, and that we
also hook at the call: `hooked.py`) are left out, as plumbing is. A tool span that comes without its
arguments (autogen-core sets neither `gen_ai.tool.call.arguments` nor a result) takes them from the LLM
call that asked for it by the call's id (`attrs.arguments_from` says so); one that ends without its result
(Semantic Kernel's) is given the result the next request carries (`results.py`).
"""

from __future__ import annotations

from typing import Any, Mapping

from ...model.events import span_prefix
from ...otel.attributes import SOURCE, Opening, component_of, declared, decoded, ending, kept_attributes, \
    opening
from ...otel.passthrough import as_it_came
from ...tracer.context import current
from ...tracer.core import Tracer
from ...tracer.held import Described, settle
from ...tracer.span import Span
from ..tools import tool_attrs
from .hooked import recorded_by_hook
from .results import await_result

FRAMEWORK = "opentelemetry"
ASKED = "asking_llm_call"  # attrs.arguments_from of a tool span whose arguments came from the LLM call


class OtelSpanProcessor:
    """Duck-typed `opentelemetry.sdk.trace.SpanProcessor`; one shared by every provider it is added to."""

    def __init__(self, tracer: Tracer):
        self._tracer = tracer
        self._ours: dict[int, Span] = {}  # OpenTelemetry span id -> our open span
        self._left_out: dict[int, str | None] = {}  # a span not recorded -> the span id its children go under
        self._without_inputs: set[int] = set()  # spans of ours that started before their inputs (messages) were set
        self._tools: dict[int, tuple[Any, str | None]] = {}  # a tool span's inputs and call id, for its end

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        tracer = self._tracer
        if tracer.run is None:
            return
        try:
            self._start(tracer, span)
        except Exception as exc:  # a span we cannot read: left out, the app goes on
            tracer.run.recorder.note_failure(exc)

    def _on_ending(self, span: Any) -> None:
        pass  # the SDK calls it on every processor as a span ends; on_end does our work

    def on_end(self, span: Any) -> None:
        key = span.context.span_id
        self._left_out.pop(key, None)
        ours = self._ours.pop(key, None)
        if ours is None:
            self._without_inputs.discard(key)
            self._tools.pop(key, None)
            return
        try:
            self._end(ours, span, key)
        except Exception as exc:
            ours.run.recorder.note_failure(exc)
            self._tracer.end_span(ours)

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    def _start(self, tracer: Tracer, span: Any) -> None:
        attributes = dict(span.attributes or {})
        scope = getattr(span.instrumentation_scope, "name", "") or ""
        opened = opening(span.name, attributes, span.kind.name, scope)
        if recorded_by_hook(scope, opened.component):
            opened = Opening(None, span.name)
        parent_id = self._parent_of(span)
        key = span.context.span_id
        if opened.component is None:
            self._left_out[key] = parent_id or _current_id(tracer)
            return
        if declared(attributes):  # it says what it is now: recorded at once
            told = self._described(tracer, span, key, opened)
            ours = tracer.start_span(told.component, told.name, span_prefix(told.component), inputs=told.inputs,
                                     attrs=told.attrs, model=told.model, parent_id=parent_id)
        else:  # its attributes come later: its start waits for them (tracer/held.py)
            ours = tracer.start_span(opened.component, opened.name, span_prefix(opened.component),
                                     parent_id=parent_id, held=(lambda: _classified(span, scope),
                                                                lambda: self._late(tracer, span, key, scope)))
        if ours is not None:
            ours.set_attribute("source", SOURCE)  # what the transport looks for on the current span
            self._ours[key] = ours

    def _late(self, tracer: Tracer, span: Any, key: int, scope: str) -> Described:
        """A held span's start, from the attributes its producer has set by now."""
        opened = opening(span.name, dict(span.attributes or {}), span.kind.name, scope)
        if opened.component is None:  # plumbing after all; it has been open: recorded as what it is not
            opened = Opening("custom", span.name, attrs={"source": SOURCE})
        return self._described(tracer, span, key, opened)

    def _described(self, tracer: Tracer, span: Any, key: int, opened: Opening) -> Described:
        """A span's start: component, name, inputs, attrs (a tool's call id and the LLM call that asked), model."""
        component = opened.component or "custom"
        attrs = {**(opened.attrs or {}), **as_it_came(span.name, opened.name, span.kind.name)}
        inputs = opened.inputs
        if component == "tool":
            attrs = tool_attrs(tracer, FRAMEWORK, opened.tool_call_id, attrs)
            if inputs is None:
                inputs = _asked_arguments(tracer, opened.tool_call_id, attrs)
            self._tools[key] = (inputs, opened.tool_call_id)
        if not _complete(component, inputs):
            self._without_inputs.add(key)
        return Described(component, opened.name, inputs, attrs, opened.model)

    def _parent_of(self, span: Any) -> str | None:
        parent = span.parent
        if parent is None:
            return None
        ours = self._ours.get(parent.span_id)
        if ours is not None:
            return ours.span_id
        return self._left_out.get(parent.span_id)

    def _end(self, ours: Any, span: Any, key: int) -> None:
        settle(self._tracer, ours)  # a held start, written with the attributes complete
        late = key in self._without_inputs
        self._without_inputs.discard(key)
        asked, call_id = self._tools.pop(key, (None, None))
        if ours.component == "tool" and self._tracer.rerun is not None:
            self._tracer.rerun.ran(ours, asked)  # a span only watches: the body ran again
        status = span.status
        attributes = dict(span.attributes or {})
        exceptions: list[Mapping[str, Any]] = [dict(event.attributes or {}) for event in span.events
                                               if event.name == "exception"]
        ended = ending(ours.component, attributes, status.status_code.name, status.description, exceptions)
        kept = kept_attributes(attributes)
        if kept:
            ours.set_attribute("otel_attributes", kept)  # so that it can be exported again as it came
        # openinference sets an LLM call's input messages after its span started: they go on the end
        inputs = opening(span.name, attributes, span.kind.name).inputs if late else None
        if not _complete(ours.component, inputs):
            inputs = None
        if ours.component == "llm" and not ours.outputs and self._tracer.rerun is not None:
            self._tracer.rerun.ran(ours)  # no hooked client carried it: nothing answered it
        ours.outputs = _merged(ended.outputs, ours.outputs)
        ours.usage = ended.usage or ours.usage
        ours.model = ended.model or ours.model
        run = ours.run
        if ours.component == "tool" and ours.outputs is None and call_id and run.asks.asked(call_id) is not None:
            # no result on the span: the next request carries it (results.py)
            self._tracer.end_span(ours, error=ended.error, inputs=inputs,
                                  hold_end=lambda event: await_result(run, call_id, event))
        else:
            self._tracer.end_span(ours, error=ended.error, inputs=inputs)


def _classified(span: Any, scope: str) -> str:
    """What a held span is now, by the attributes its producer has set so far."""
    return component_of(dict(span.attributes or {}), span.kind.name, scope) or "custom"


def _asked_arguments(tracer: Tracer, call_id: str | None, attrs: dict[str, Any]) -> Any:
    """The arguments the LLM call that asked for `call_id` gave it (None when no LLM call of this run
    did); `attrs.arguments_from` says where they came from."""
    run = tracer.run
    asked = run.asks.asked(call_id) if run is not None else None
    if asked is None or asked.arguments is None:
        return None
    attrs["arguments_from"] = ASKED
    return decoded(asked.arguments)


def _merged(said: dict[str, Any] | None, handed: Any) -> Any:
    """The span's outputs from its attributes, completed by what the transport handed over (the tool
    calls and text of the HTTP response the span wrapped) where the attributes lack it."""
    if not isinstance(handed, dict) or not handed:
        return said
    merged = dict(said or {})
    for key, value in handed.items():
        merged.setdefault(key, value)
    return merged


def _complete(component: str, inputs: Any) -> bool:
    """Inputs worth recording: an LLM call's messages, another span's anything."""
    if component == "llm":
        return isinstance(inputs, dict) and "messages" in inputs
    return inputs is not None


def _current_id(tracer: Tracer) -> str | None:
    span = current.get()
    return span.span_id if span is not None and span.run is tracer.run else None
