"""The runtime's functions, wrapped: each call becomes a span of ours while a run is active.

- flow: `Executor.run` -> a `chain` span named after the flow, inputs `{"input": ...}`, outputs the
  flow's last value; its end event links the runtime's own run (`n3_run_id`, `n3_trace_file`).
- agent: `run_agent_call` -> an `agent` span named after the agent, opened when its input has been
  evaluated (`prepare_ai_input`), so the input is in its start event (at once, without the input,
  if that hook point is missing); outputs its reply.
- AI: a provider's `ask` -> an `llm` span named after the `ai` block (`names.py`), inputs the
  request (model, prompts, tools, memory, tool results); replayable.
- tool: `_execute_tool_call_internal` -> a `tool` span named after the tool, inputs its args;
  replayable, so a rerun gives back the recorded `(ToolCallOutcome, error)` without running it.
- AI with tools: `get_provider_adapter` -> an adapter that calls the model's API itself (not through
  `ask`) is handed out wrapped: each `run_model` is an `llm` span as above, inputs the messages and
  tools; replayable, as the runtime's `AssistantText` / `AssistantToolCall` / `AssistantError`.
- AI cache: `run_cached_ai_text_call` computes every call while tracing, so each one reaches
  `ask` (and is recorded, or answered by the rerun) rather than coming from the cache in one run
  and not the other.

Flows and agents are not replayable: they run again in a rerun, and only their AI and tool calls
are answered. With no active run every wrapper calls straight through.
"""

from __future__ import annotations

import functools
import sys
from contextvars import ContextVar
from typing import Any, Callable

from ...tracer.api import get_tracer
from ..calls import ForeignSpec, Shape, call, end, open_span
from . import artifacts, names
from .results import (
    AIResponseCodec, ModelResponseCodec, ToolOutcomeCodec, ai_outputs, model_outputs, plain, tool_outputs,
)

MARK = "__namel3ss_debug__"
_in_ask: ContextVar[bool] = ContextVar("namel3ss_debug_n3_in_ask", default=False)
_pending_agent: ContextVar[Any] = ContextVar("namel3ss_debug_n3_pending_agent", default=None)
_AI_CODEC = AIResponseCodec()


def marked(wrapper: Callable[..., Any]) -> Callable[..., Any]:
    setattr(wrapper, MARK, True)
    return wrapper


def is_ours(function: Any) -> bool:
    return bool(getattr(function, MARK, False))


# -- flow ------------------------------------------------------------------------------------------
def flow_run(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        ctx = getattr(self, "ctx", None)
        if tracer.run is None or ctx is None:
            return original(self, *args, **kwargs)
        where = (getattr(ctx, "project_root", None), getattr(ctx, "app_path", None))
        before = artifacts.latest_run(*where)
        locals_ = getattr(ctx, "locals", None) or {}
        span = open_span(tracer, ForeignSpec("chain", _flow_name(ctx), replayable=False),
                         {"input": plain(locals_.get("input"))})
        with names.flow_profiles(getattr(ctx, "ai_profiles", None)):
            try:
                result = original(self, *args, **kwargs)
            except BaseException as exc:
                _link(span, where, before)
                tracer.end_span(span, error=exc)
                raise
        _link(span, where, before)
        end(tracer, span, FLOW_SHAPE, result)
        return result

    return marked(run)


def _flow_name(ctx: Any) -> str:
    return str(getattr(getattr(ctx, "flow", None), "name", None) or "flow")


def _link(span: Any, where: tuple[Any, Any], before: str | None) -> None:
    if span is not None:
        for key, value in artifacts.run_link(*where, before).items():
            span.set_attribute(key, value)


FLOW_SHAPE = Shape(outputs=lambda result: {"return": plain(getattr(result, "last_value", None))})


# -- agent -----------------------------------------------------------------------------------------
class _AgentCall:
    """An agent call whose span opens once its input is known."""

    def __init__(self, name: str, inputs: dict[str, Any], attrs: dict[str, Any]):
        self.name, self.inputs, self.attrs, self.span = name, inputs, attrs, None

    def open(self, tracer: Any) -> None:
        if self.span is None:
            self.span = open_span(tracer, ForeignSpec("agent", self.name, replayable=False), self.inputs,
                                  attrs=self.attrs)


def agent_call(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def run_agent_call(ctx: Any, agent_name: Any, input_expr: Any, input_mode: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return original(ctx, agent_name, input_expr, input_mode, *args, **kwargs)
        agent = (getattr(ctx, "agents", None) or {}).get(agent_name)
        ai = getattr(agent, "ai_name", None)
        pending = _AgentCall(str(agent_name), {"mode": input_mode},
                             {key: value for key, value in (("ai", ai), ("role", kwargs.get("role"))) if value})
        if not _input_is_hooked(original):  # no way to wait for the input: open now, without it
            pending.open(tracer)
        token = _pending_agent.set(pending)
        try:
            with names.agent_ai(ai):
                result = original(ctx, agent_name, input_expr, input_mode, *args, **kwargs)
        except BaseException as exc:
            pending.open(tracer)  # it failed before its input was known: the span says so
            tracer.end_span(pending.span, error=exc)
            raise
        finally:
            _pending_agent.reset(token)
        pending.open(tracer)
        end(tracer, pending.span, AGENT_SHAPE, result)
        return result

    return marked(run_agent_call)


def _input_is_hooked(original: Callable[..., Any]) -> bool:
    module = sys.modules.get(getattr(original, "__module__", None) or "")
    return is_ours(getattr(module, "prepare_ai_input", None))


def agent_input(original: Callable[..., Any]) -> Callable[..., Any]:
    """`prepare_ai_input` as the agents module calls it: the agent's span opens with the input."""
    @functools.wraps(original)
    def prepare_ai_input(value: Any, *args: Any, **kwargs: Any) -> Any:
        pending = _pending_agent.get()
        if pending is not None and pending.span is None and get_tracer().run is not None:
            pending.inputs = {"input": plain(value), **pending.inputs}
            pending.open(get_tracer())
        return original(value, *args, **kwargs)

    return marked(prepare_ai_input)


def _agent_outputs(result: Any) -> dict[str, Any]:
    output, trace, written = result
    outputs: dict[str, Any] = {"return": plain(output)}
    if isinstance(output, dict) and "text" in output:
        outputs["text"] = plain(output["text"])
    calls = getattr(trace, "tool_calls", None)
    if calls:
        outputs["tool_calls"] = plain(calls)
    outputs["memory_written"] = written
    return outputs


AGENT_SHAPE = Shape(outputs=_agent_outputs)


# -- AI --------------------------------------------------------------------------------------------
def provider_ask(original: Callable[..., Any], provider: str) -> Callable[..., Any]:
    @functools.wraps(original)
    def ask(self: Any, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None or _in_ask.get():  # a provider's ask calling its parent's: one call
            return original(self, *args, **kwargs)
        model, system_prompt = kwargs.get("model"), kwargs.get("system_prompt")
        spec = ForeignSpec("llm", names.ai_name(model, system_prompt), codec=_AI_CODEC)
        inputs = {key: plain(value) for key, value in kwargs.items()}
        token = _in_ask.set(True)
        try:
            return call(tracer, spec, AI_SHAPE, inputs, functools.partial(original, self, *args, **kwargs),
                        model=model if isinstance(model, str) else None,
                        attrs={"provider": provider, "provider_class": type(self).__qualname__})
        finally:
            _in_ask.reset(token)

    return marked(ask)


AI_SHAPE = Shape(outputs=ai_outputs)


def provider_adapter(original: Callable[..., Any]) -> Callable[..., Any]:
    """`get_provider_adapter`, which hands the runtime what runs an AI call with tools: the mock's
    adapter asks its provider (whose `ask` is traced); the others (openai, anthropic, gemini,
    mistral) call the model's API themselves, so while tracing they come wrapped (`_TracedAdapter`)."""
    @functools.wraps(original)
    def get_provider_adapter(provider_name: Any, provider: Any, *args: Any, **kwargs: Any) -> Any:
        adapter = original(provider_name, provider, *args, **kwargs)
        if adapter is None or get_tracer().run is None or getattr(adapter, "provider", None) is provider:
            return adapter
        return _TracedAdapter(adapter, str(provider_name), kwargs.get("model"), kwargs.get("system_prompt"))

    return marked(get_provider_adapter)


class _TracedAdapter:
    """A provider's adapter whose model calls (`run_model(messages, tools, policy)`) are `llm` spans,
    named and answered as a provider's `ask` is; everything else is the adapter's."""

    def __init__(self, adapter: Any, provider: str, model: Any, system_prompt: Any):
        self._adapter, self._provider, self._model, self._system_prompt = adapter, provider, model, system_prompt

    def __getattr__(self, name: str) -> Any:
        if name == "_adapter":  # not set yet (a copy being made): no endless lookup
            raise AttributeError(name)
        return getattr(self._adapter, name)

    def run_model(self, *args: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None or _in_ask.get():
            return self._adapter.run_model(*args, **kwargs)
        messages, tools = (list(args) + [None, None])[:2]
        inputs = {"model": plain(self._model), "system_prompt": plain(self._system_prompt),
                  "messages": plain(kwargs.get("messages", messages)), "tools": plain(kwargs.get("tools", tools))}
        spec = ForeignSpec("llm", names.ai_name(self._model, self._system_prompt), codec=_MODEL_CODEC)
        token = _in_ask.set(True)  # an adapter that asks its provider after all: one call
        try:
            return call(tracer, spec, MODEL_SHAPE, inputs, functools.partial(self._adapter.run_model, *args, **kwargs),
                        model=self._model if isinstance(self._model, str) else None,
                        attrs={"provider": self._provider, "provider_class": type(self._adapter).__qualname__})
        finally:
            _in_ask.reset(token)


MODEL_SHAPE = Shape(outputs=model_outputs)
_MODEL_CODEC = ModelResponseCodec()


def cached_ai_text_call(original: Callable[..., Any]) -> Callable[..., Any]:
    """While tracing, compute the call: a cache hit would skip `ask`, in one run and not the other."""
    @functools.wraps(original)
    def run_cached_ai_text_call(ctx: Any, *args: Any, compute: Callable[[], Any], **kwargs: Any) -> Any:
        if get_tracer().run is None:
            return original(ctx, *args, compute=compute, **kwargs)
        return compute(), None

    return marked(run_cached_ai_text_call)


# -- tool ------------------------------------------------------------------------------------------
def tool_call(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def execute(ctx: Any, tool_name: Any, args: Any, *rest: Any, **kwargs: Any) -> Any:
        tracer = get_tracer()
        if tracer.run is None:
            return original(ctx, tool_name, args, *rest, **kwargs)
        name = str(tool_name)
        decl = (getattr(ctx, "tools", None) or {}).get(tool_name)
        attrs = {key: value for key, value in (("kind", getattr(decl, "kind", None) or "builtin"),
                                               ("called_by", getattr(ctx, "tool_call_source", None) or "flow"),
                                               ("line", kwargs.get("line"))) if value is not None}
        spec = ForeignSpec("tool", name, codec=ToolOutcomeCodec(name))
        return call(tracer, spec, TOOL_SHAPE, {"args": plain(args)},
                    functools.partial(original, ctx, tool_name, args, *rest, **kwargs), attrs=attrs)

    return marked(execute)


TOOL_SHAPE = Shape(outputs=tool_outputs)
