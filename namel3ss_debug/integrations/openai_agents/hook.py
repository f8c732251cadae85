"""openai-agents: its agent runs, handoffs and guardrails as spans, through its tracing processor
interface; its function tools as `tool` spans where they are invoked, answered by a rerun.

Structure. A `TracingProcessor` of ours is added beside the app's (`add_trace_processor`): an agent
span becomes an `agent` span (current while the agent calls its model, so the `llm` spans the HTTP
transport records nest under it), a handoff a `chain` span named `handoff`, a guardrail a
`validation` span. Apps often turn the SDK's tracing off (`set_tracing_disabled(True)`,
`RunConfig(tracing_disabled=True)`) or replace its processors (`set_trace_processors([...])`), so the
trace provider is wrapped (`set_trace_provider`, public): a trace the app's settings leave off is
still made, as a trace only our processor sees, and the processors the app sets get ours appended.
The app's processors see exactly the traces and spans they would see without us.

Tools. A tracing processor only watches, and a rerun must not run a tool's body, so each
`FunctionTool`'s public `on_invoke_tool` is wrapped as the tool is made: the call becomes a `tool`
span (`integrations/tools.py`) with the model's call id (`ToolContext.tool_call_id`), under the
agent span current where the runner invokes it.

Handoffs. The model's call of a handoff's tool is claimed by the handoff span (`openai_agents/handoffs.py`).

Handled errors. A tool that raises is, by default, turned by the SDK into a message for the model
(its `failure_error_function`), inside `on_invoke_tool`: the invoker returns normally and the SDK's
own trace keeps only "details are redacted". The SDK hands the exception to its failure function
through `agents.tool.maybe_invoke_function_tool_failure_error_function`, which is wrapped to note the
exception for the tool span it runs under (it returns what the SDK made, unchanged): the span ends
failed with that exception, `error.handled: true`, its outputs the message the model got, which is
what a rerun gives back.
"""

from __future__ import annotations

import inspect
import json
import typing
from contextvars import ContextVar
from types import ModuleType
from typing import Any

from ...tracer.api import get_tracer
from ..calls import ForeignSpec, Handled, open_span
from .handoffs import install_handoffs
from ..tools import arun_tool

FRAMEWORK = "openai-agents"


def install(module: ModuleType) -> list[str]:
    """Hook `agents` (the SDK's package); the hook points this version lacks."""
    missing = []
    try:
        _install_tools(module)
    except Exception as exc:  # this version builds its tools otherwise: their calls go unrecorded
        missing.append(f"function tools ({type(exc).__name__}: {exc})")
    try:
        install_handoffs(module.Handoff)
    except Exception as exc:  # this version makes its handoffs otherwise: their calls are left to the wire
        missing.append(f"handoff tool calls ({type(exc).__name__}: {exc})")
    try:
        _install_failures(module)
    except Exception as exc:  # this version hands tool errors to the model otherwise: they stay results
        missing.append(f"tool errors handed to the model ({type(exc).__name__}: {exc})")
    try:
        _install_tracing(module)
    except Exception as exc:  # this version traces otherwise: its agents and handoffs go unrecorded
        missing.append(f"agents, handoffs and guardrails ({type(exc).__name__}: {exc})")
    return missing


# -- tools ---------------------------------------------------------------------------------------
def _install_tools(module: ModuleType) -> None:
    function_tool_class = module.FunctionTool
    original = function_tool_class.__post_init__
    if getattr(original, "_namel3ss_debug", False):
        return

    def __post_init__(self: Any) -> None:
        original(self)
        try:
            if not isinstance(self.on_invoke_tool, RecordedInvoker):
                self.on_invoke_tool = RecordedInvoker(self.on_invoke_tool, self)
        except Exception as exc:  # the tool stays as the SDK made it, unrecorded
            get_tracer().note_failure(exc)

    __post_init__._namel3ss_debug = True  # type: ignore[attr-defined]
    function_tool_class.__post_init__ = __post_init__


class RecordedInvoker:
    """A `FunctionTool.on_invoke_tool` that runs the SDK's invoker in a `tool` span, or gives back a
    rerun's recorded answer without running it. Whatever else the SDK asks of its invoker (its
    markers, `prepare_arguments`) is the wrapped invoker's."""

    def __init__(self, invoker: Any, tool: Any):
        self._invoker, self._tool = invoker, tool
        # The SDK reads the invoker's signature to choose the context it passes: it reads the SDK's.
        self.__signature__ = inspect.signature(invoker)
        try:
            self.__annotations__ = typing.get_type_hints(invoker, include_extras=True)
        except Exception:  # unresolvable hints: the SDK falls back on the signature's
            self.__annotations__ = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._invoker, name)

    def __agents_bind_function_tool__(self, tool: Any) -> RecordedInvoker:
        """A copied tool (`copy.copy`) gets an invoker of its own, recorded too."""
        if tool is self._tool:
            return self
        bind = getattr(self._invoker, "__agents_bind_function_tool__", None)
        return RecordedInvoker(bind(tool) if callable(bind) else self._invoker, tool)

    async def __call__(self, context: Any, arguments: str) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return await self._invoker(context, arguments)
        return await arun_tool(tracer, FRAMEWORK, self._tool.name, _parsed(arguments),
                               lambda: self._invoke(context, arguments),
                               call_id=getattr(context, "tool_call_id", None))

    async def _invoke(self, context: Any, arguments: str) -> Any:
        """The SDK's invoker, run in our tool span; a `Handled` failure when the SDK turned the tool's
        exception into the message it returns."""
        failures: list[tuple[Any, BaseException]] = []
        token = _FAILURES.set(failures)
        try:
            result = await self._invoker(context, arguments)
        finally:
            _FAILURES.reset(token)
        ours = [error for tool, error in failures if tool is self._tool]  # not a tool's run inside this one
        return Handled(ours[-1], result) if ours else result


# The (tool, exception) pairs the SDK handed to a failure function during the tool call running in this context.
_FAILURES: ContextVar[list[tuple[Any, BaseException]] | None] = ContextVar("namel3ss_debug_agents_failures",
                                                                            default=None)


def _install_failures(module: ModuleType) -> None:
    from agents import tool  # noqa: PLC0415 - the app has imported the SDK: we run after its import

    original = tool.maybe_invoke_function_tool_failure_error_function
    if getattr(original, "_namel3ss_debug", False):
        return

    async def maybe_invoke_function_tool_failure_error_function(**kwargs: Any) -> Any:
        message = await original(**kwargs)
        failures = _FAILURES.get()
        if message is not None and failures is not None and isinstance(kwargs.get("error"), BaseException):
            failures.append((kwargs.get("function_tool"), kwargs["error"]))
        return message

    maybe_invoke_function_tool_failure_error_function._namel3ss_debug = True  # type: ignore[attr-defined]
    maybe_invoke_function_tool_failure_error_function.__wrapped__ = original  # type: ignore[attr-defined]
    tool.maybe_invoke_function_tool_failure_error_function = maybe_invoke_function_tool_failure_error_function


def _parsed(arguments: str) -> Any:
    """The model's arguments as JSON, or the text it sent when that is not JSON."""
    try:
        return json.loads(arguments) if arguments else {}
    except (TypeError, ValueError):
        return arguments


# -- tracing -------------------------------------------------------------------------------------
def _install_tracing(module: ModuleType) -> None:
    from agents import tracing  # noqa: PLC0415 - the app has imported it: we run after its import

    provider = tracing.get_trace_provider()
    if isinstance(provider, _provider_class(tracing)):
        return
    processor = _processor_class(tracing)()
    provider.register_processor(processor)
    tracing.set_trace_provider(_provider_class(tracing)(provider, processor))


_classes: dict[str, type] = {}


def _processor_class(tracing: ModuleType) -> type:
    """`SpanRecorder`, a `TracingProcessor` (made when the SDK is there, to subclass its interface)."""
    if "processor" in _classes:
        return _classes["processor"]

    interface: Any = tracing.TracingProcessor  # the SDK's class: Any to mypy, as the SDK is (pyproject)

    class SpanRecorder(interface):  # type: ignore[misc]  # the SDK's class, Any (above)
        """Agent, handoff and guardrail spans of the SDK as spans of ours."""

        def __init__(self) -> None:
            self._open: dict[str, Any] = {}  # the SDK's span id -> our span

        def on_trace_start(self, trace: Any) -> None:
            pass

        def on_trace_end(self, trace: Any) -> None:
            pass

        def on_span_start(self, span: Any) -> None:
            try:
                self._start(span)
            except Exception as exc:
                get_tracer().note_failure(exc)

        def on_span_end(self, span: Any) -> None:
            try:
                self._end(span)
            except Exception as exc:
                get_tracer().note_failure(exc)

        def shutdown(self) -> None:
            pass

        def force_flush(self) -> None:
            pass

        def _start(self, span: Any) -> None:
            tracer = get_tracer()
            if tracer.run is None:
                return
            opened = _open_for(tracer, span.span_data)
            if opened is not None:
                self._open[span.span_id] = opened

        def _end(self, span: Any) -> None:
            ours = self._open.pop(span.span_id, None)
            if ours is None:
                return
            data = span.span_data
            kind = getattr(data, "type", "")
            if kind == "agent":
                ours.attrs = {**(ours.attrs or {}), "tools": list(data.tools or []),
                              "handoffs": list(data.handoffs or [])}
            elif kind == "handoff":
                ours.attrs = {**(ours.attrs or {}), "from_agent": data.from_agent, "to_agent": data.to_agent}
                ours.outputs = {"to_agent": data.to_agent}
            elif kind == "guardrail":
                ours.outputs = {"triggered": bool(data.triggered)}
            get_tracer().end_span(ours, error=_error_of(span))

    _classes["processor"] = SpanRecorder
    return SpanRecorder


def _open_for(tracer: Any, data: Any) -> Any:
    """Our span for an SDK span that has one (agent, handoff, guardrail); None for the others: model
    calls are recorded at the HTTP client, function tools where they are invoked."""
    kind = getattr(data, "type", "")
    attrs = {"framework": FRAMEWORK}
    if kind == "agent":
        return open_span(tracer, ForeignSpec("agent", str(data.name), replayable=False), None, attrs=attrs)
    if kind == "handoff":
        return open_span(tracer, ForeignSpec("chain", "handoff", replayable=False),
                         {"from_agent": data.from_agent}, attrs=attrs)
    if kind == "guardrail":
        return open_span(tracer, ForeignSpec("validation", str(data.name), replayable=False), None, attrs=attrs)
    return None


def _error_of(span: Any) -> dict[str, Any] | None:
    """The SDK's span error (`{"message", "data"}`) as an error record."""
    error = getattr(span, "error", None)
    if not error:
        return None
    return {"type": "SpanError", "message": str(error.get("message", "")), "category": "unknown",
            "data": error.get("data")}


def _provider_class(tracing: ModuleType) -> type:
    """`TeeProvider`, a `TraceProvider` wrapping the app's (made when the SDK is there)."""
    if "provider" in _classes:
        return _classes["provider"]
    from agents.tracing.spans import SpanImpl  # noqa: PLC0415 - the SDK is imported already
    from agents.tracing.traces import NoOpTrace, TraceImpl  # noqa: PLC0415 - the SDK is imported already

    class ShadowTrace(TraceImpl):  # type: ignore[misc]  # the SDK's class: Any to mypy, as the SDK is (pyproject)
        """A trace the app's settings leave off, made for our processor alone."""

    class ShadowSpan(SpanImpl):  # type: ignore[misc]  # the SDK's class: Any to mypy, as the SDK is (pyproject)
        """A span of a shadow trace: our processor alone sees it."""

    provider_base: Any = tracing.TraceProvider  # the SDK's class: Any to mypy, as the SDK is (pyproject)

    class TeeProvider(provider_base):  # type: ignore[misc]  # the SDK's class, Any (above)
        """The app's trace provider, with our processor kept among its processors, and the traces it
        would not make made for our processor alone."""

        def __init__(self, inner: Any, processor: Any):
            self.inner, self.processor = inner, processor

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        def register_processor(self, processor: Any) -> None:
            self.inner.register_processor(processor)

        def set_processors(self, processors: list[Any]) -> None:
            self.inner.set_processors([*processors, self.processor])

        def get_current_trace(self) -> Any:
            return self.inner.get_current_trace()

        def get_current_span(self) -> Any:
            return self.inner.get_current_span()

        def set_disabled(self, disabled: bool) -> None:
            self.inner.set_disabled(disabled)

        def time_iso(self) -> str:
            made: str = self.inner.time_iso()
            return made

        def gen_trace_id(self) -> str:
            made: str = self.inner.gen_trace_id()
            return made

        def gen_span_id(self) -> str:
            made: str = self.inner.gen_span_id()
            return made

        def gen_group_id(self) -> str:
            made: str = self.inner.gen_group_id()
            return made

        def force_flush(self) -> None:
            self.inner.force_flush()

        def shutdown(self, *args: Any, **kwargs: Any) -> None:
            self.inner.shutdown(*args, **kwargs)

        def create_trace(self, name: str, trace_id: str | None = None, group_id: str | None = None,
                         metadata: dict[str, Any] | None = None, disabled: bool = False,
                         tracing: Any = None) -> Any:
            made = self.inner.create_trace(name, trace_id=trace_id, group_id=group_id, metadata=metadata,
                                           disabled=disabled, tracing=tracing)
            if not isinstance(made, NoOpTrace) or get_tracer().run is None:
                return made
            return ShadowTrace(name, trace_id or self.inner.gen_trace_id(), group_id, metadata, self.processor)

        def create_span(self, span_data: Any, span_id: str | None = None, parent: Any = None,
                        disabled: bool = False) -> Any:
            owner = parent if parent is not None else (self.inner.get_current_span()
                                                       or self.inner.get_current_trace())
            if not isinstance(owner, (ShadowTrace, ShadowSpan)):
                return self.inner.create_span(span_data, span_id=span_id, parent=parent, disabled=disabled)
            # A span the SDK disables under a shadow trace (its "Agent run" mask) is shadowed too.
            parent_id = owner.span_id if isinstance(owner, ShadowSpan) else None
            metadata = owner.trace_metadata if isinstance(owner, ShadowSpan) else owner.metadata
            return ShadowSpan(owner.trace_id, span_id or self.inner.gen_span_id(), parent_id, self.processor,
                              span_data, None, metadata)

    _classes["provider"] = TeeProvider
    return TeeProvider


__all__ = ["install", "RecordedInvoker"]
