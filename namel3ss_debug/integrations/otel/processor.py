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

An LLM span whose attributes lack its input messages (Strands', ADK's and Semantic Kernel's) takes the inputs of
the request made inside it (its `http` child: messages, tools, model), on its start when that start was held
until the request, else on its end. Such an LLM span never counts as a call run live in a rerun: its request was
answered, or missed; only one with no request of ours under it ran live.

Spans a hook of ours records already (a framework that emits its own, as autogen-core and Google ADK do, and
that we also hook at the call: `hooked.py`; known by their attributes or, for a span whose attributes come
later, by the GenAI name `invoke_agent X` / `execute_tool X`) are left out, as plumbing is; their children go
under the hook's span current where the first of them starts, and that span ends with the left-out span if the
hook never ended it (a rerun's stop unwound the framework past the hook's callback). A tool span that comes
without its arguments (autogen-core sets neither `gen_ai.tool.call.arguments` nor a result) takes them from the
LLM call that asked for it by the call's id (`attrs.arguments_from` says so), and goes under the wire's agent of
that call when that agent was opened under the tool's parent (Semantic Kernel without its chat spans); one that
ends without its result takes it from its `gen_ai.choice` event (Strands') or else is given the result the next
request carries (Semantic Kernel's: `results.py`). A span of ours still open when its parent ends, or when the
run ends (a rerun's stop unwound its producer, which never ended it), ends first, `attrs.ended_by` saying why.
"""

from __future__ import annotations

import weakref
from typing import Any, Mapping

from ...model.events import span_prefix
from ...otel.attributes import SOURCE, Ending, Opening, component_of, declared, decoded, ending, event_results, \
    kept_attributes, named_component, opening
from ...otel.passthrough import as_it_came
from ...tracer.context import current
from ...tracer.core import Tracer
from ...tracer.held import Described, settle
from ...tracer.span import Span
from ..tools import tool_attrs
from .hooked import recorded_by_hook
from .results import await_result, give_up_under

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
        # spans a hook records (left out) -> the hook's span their children went under (`_parent_of`), or None
        self._hooked: dict[int, Span | None] = {}
        self._closing: weakref.WeakSet[Any] = weakref.WeakSet()  # runs whose open spans end at their end

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
        stood_for = self._left_out.pop(key, None)
        if key in self._hooked:
            self._end_hooks_span(span, self._hooked.pop(key), stood_for)
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
        parent_id = self._parent_of(span)
        key = span.context.span_id
        if recorded_by_hook(scope, opened.component) or recorded_by_hook(scope, named_component(span.name)):
            opened = Opening(None, span.name)
            self._hooked[key] = None
        if opened.component is None:
            self._left_out[key] = parent_id or _current_id(tracer)
            return
        if declared(attributes):  # it says what it is now: recorded at once
            told = self._described(tracer, span, key, opened)
            if told.component == "tool" and parent_id is not None and tracer.run is not None:
                parent_id = tracer.run.asks.home(told.attrs, parent_id)  # under the wire agent that asked for it
            ours = tracer.start_span(told.component, told.name, span_prefix(told.component), inputs=told.inputs,
                                     attrs=told.attrs, model=told.model, parent_id=parent_id)
        else:  # its attributes come later: its start waits for them (tracer/held.py)
            ours = tracer.start_span(opened.component, opened.name, span_prefix(opened.component),
                                     parent_id=parent_id, held=(lambda: _classified(span, scope),
                                                                lambda: self._late(tracer, span, key, scope)))
        if ours is not None:
            ours.set_attribute("source", SOURCE)  # what the transport looks for on the current span
            self._ours[key] = ours
            self._close_at_run_end(ours.run)

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
        ours = self._ours.get(key)
        if component == "llm" and not _complete(component, inputs) and ours is not None and ours.request is not None:
            inputs = _with_request(inputs, ours.request)  # held until its request started: that request's
        elif not _complete(component, inputs):
            self._without_inputs.add(key)
        return Described(component, opened.name, inputs, attrs, opened.model)

    def _parent_of(self, span: Any) -> str | None:
        parent = span.parent
        if parent is None:
            return None
        ours = self._ours.get(parent.span_id)
        if ours is not None:
            return ours.span_id
        if parent.span_id in self._hooked:  # the hook's span stands for it: current where the child starts
            hooks = self._hooked[parent.span_id] or _current_span(self._tracer)
            if hooks is not None:
                self._hooked[parent.span_id] = hooks
                return hooks.span_id
        return self._left_out.get(parent.span_id)

    def _end(self, ours: Any, span: Any, key: int) -> None:
        settle(self._tracer, ours)  # a held start, written with the attributes complete
        late = key in self._without_inputs
        self._without_inputs.discard(key)
        asked, call_id = self._tools.pop(key, (None, None))
        if ours.component == "tool" and self._tracer.rerun is not None:
            self._tracer.rerun.ran(ours, asked)  # a span only watches: the body ran again
        attributes = dict(span.attributes or {})
        ended = _ending_of(ours.component, span, attributes)
        kept = kept_attributes(attributes)
        if kept:
            ours.set_attribute("otel_attributes", kept)  # so that it can be exported again as it came
        # openinference sets an LLM call's input messages after its span started: they go on the end
        inputs = opening(span.name, attributes, span.kind.name).inputs if late else None
        if late and ours.component == "llm" and not _complete("llm", inputs) and ours.request is not None:
            inputs = _with_request(inputs, ours.request)  # what its request asked, which its attributes lack
        elif not _complete(ours.component, inputs):
            inputs = None
        if ours.component == "llm" and not ours.outputs and ours.request is None and self._tracer.rerun is not None:
            self._tracer.rerun.ran(ours)  # no request of ours under it: nothing answered it, nor missed it
        ours.outputs = _merged(ended.outputs, ours.outputs)
        ours.usage = ended.usage or ours.usage
        ours.model = ended.model or ours.model
        run = ours.run
        self._end_left_open(run, ours, "parent", ended.error is not None)
        give_up_under(run, ours.span_id)  # a tool's end held for its result is written before its parent's
        if ours.component == "tool" and ours.outputs is None and call_id and run.asks.asked(call_id) is not None:
            # no result on the span: the next request carries it (results.py)
            self._tracer.end_span(ours, error=ended.error, inputs=inputs,
                                  hold_end=lambda event: await_result(run, call_id, event))
        else:
            self._tracer.end_span(ours, error=ended.error, inputs=inputs)

    def _end_left_open(self, run: Any, parent: Span | None, why: str, failed: bool) -> None:
        """The spans of ours still open under `parent` (all of the run's, for None), which ends now: their producer
        never ended them (a rerun's stop unwound it past them), so they end first, innermost first, with
        `attrs.ended_by` saying why (`parent`, `run_end`), `failed` when what ends with them failed."""
        under = {parent.span_id} if parent is not None else None
        left = []
        for key, span in list(self._ours.items()):  # in the order they started: a parent before its children
            if span.run is run and span is not parent and (under is None or span.parent_id in under):
                left.append((key, span))
                if under is not None:
                    under.add(span.span_id)
        for key, span in reversed(left):
            self._ours.pop(key, None)
            span.set_attribute("ended_by", why)
            if failed:
                span.set_status("failed")
            give_up_under(run, span.span_id)
            self._tracer.end_span(span)

    def _close_at_run_end(self, run: Any) -> None:
        """Once per run: its spans still open when it ends end just before `run_end` (`_end_left_open`)."""
        if run not in self._closing:
            self._closing.add(run)
            run.at_end.append(lambda: self._end_left_open(run, None, "run_end", run.ending == "failed"))

    def _end_hooks_span(self, span: Any, hooks: Span | None, stood_for: str | None) -> None:
        """A span a hook records ends: the hook's span that stood for it, opened inside it (directly under the span
        `stood_for`, current where it started, or the run's root), ends with it if the hook did not end it (the
        framework unwound without calling the hook back: a rerun's stop). A hook's span open before it is left alone."""
        if hooks is None or hooks.ended or hooks.parent_id != (stood_for or hooks.run.root_id):
            return
        self._tracer.end_span(hooks, error=_ending_of(hooks.component, span, {}).error)


def _ending_of(component: str, span: Any, attributes: Mapping[str, Any]) -> Ending:
    """What an ended OpenTelemetry span says as `component`: its outputs, usage and model from `attributes` (a
    tool's result from an event when no attribute has it), its error from its status and `exception` events."""
    status = span.status
    events = [(str(event.name), dict(event.attributes or {})) for event in span.events]
    exceptions: list[Mapping[str, Any]] = [said for name, said in events if name == "exception"]
    if component == "tool":
        attributes = {**event_results(events), **attributes}
    return ending(component, attributes, status.status_code.name, status.description, exceptions)


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


def _with_request(inputs: Any, request: Any) -> Any:
    """An LLM span's inputs completed by those of the request made inside it (its messages, tools, model):
    what its own attributes say, where they say it, else what the request said."""
    if not isinstance(request, dict):
        return inputs
    return {**request, **(inputs if isinstance(inputs, dict) else {})}


def _complete(component: str, inputs: Any) -> bool:
    """Inputs worth recording: an LLM call's messages, another span's anything."""
    if component == "llm":
        return isinstance(inputs, dict) and "messages" in inputs
    return inputs is not None


def _current_id(tracer: Tracer) -> str | None:
    span = _current_span(tracer)
    return span.span_id if span is not None else None


def _current_span(tracer: Tracer) -> Span | None:
    span = current.get()
    return span if span is not None and span.run is tracer.run else None
