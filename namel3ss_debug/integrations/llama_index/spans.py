"""The span handler on LlamaIndex's root dispatcher: workflow runs and a plain workflow's steps as spans,
and the tool call an agent's step is making, for the tool wrapper.

Which dispatcher spans become ours, so the tree stays readable:
- a workflow's run (`<Workflow class>.run-<uuid>`, opened by llama-index-workflows around its control
  loop, the workflow as its instance): an `agent` span (`agent_execution_*`) named after the agent when
  the workflow is one (`BaseWorkflowAgent`'s subclasses; `AgentWorkflow`, named so), inputs the user's
  message; else a `chain` span (`chain_execution_*`) named after the workflow's class, inputs the start
  event's fields. Outputs: the agent's answer, or the stop event's result.
- a step of a plain workflow (a span whose parent is such a run): a `chain_step` span named after the
  step. An agent's own steps (`setup_agent`, `run_agent_step`, `call_tool`...) make none: the agent
  span holds its LLM calls and tools directly.
Every other dispatcher span (the LLM's `astream_chat`, the tool's `acall`...) makes none: requests are
recorded at the HTTP client, tools by `tools.py`.

A run's span is entered and left in the task that runs its control loop, and a step's in the step's
own coroutine: each of our spans is made current there and ends there, so the steps' tasks (created
inside the run) and the requests they make nest under it. A step handling a `ToolCall` event
(`call_tool`) sets `ASKED` to the tool's name and the model's call id while it runs: the tool wrapper,
called inside that step, reads the id from it. Nothing here raises into the app: a failure of ours is
counted by the recorder.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar, Token
from typing import Any

from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from pydantic import PrivateAttr

from ...tracer.api import get_tracer
from ...tracer.serialize import to_jsonable

FRAMEWORK = "llama_index"
AGENT_CLASSES = frozenset({"BaseWorkflowAgent", "AgentWorkflow"})  # known by name: nothing more imported
WORKFLOW_MODULE = "workflows.workflow"  # llama-index-workflows' `Workflow`, loaded by any workflow's run

# (tool name, the model's call id) of the tool call the current step makes.
ASKED: ContextVar[tuple[str, str] | None] = ContextVar("namel3ss_debug_llama_index_asked", default=None)


class LlamaIndexSpanRecorder(BaseSpanHandler[Any]):  # type: ignore[misc]  # LlamaIndex's class: Any to mypy, as it is (pyproject)
    """Opens our spans when the runs and steps that get one enter, and ends them when they exit or
    drop. Keeps no span of LlamaIndex's own (`new_span` returns None): ours are the tracer's."""

    _open: dict[str, Any] = PrivateAttr(default_factory=dict)  # dispatcher span id -> our span
    _chains: set[str] = PrivateAttr(default_factory=set)  # dispatcher ids of plain workflows' runs
    _asked: dict[str, Token[Any]] = PrivateAttr(default_factory=dict)  # step span id -> its ASKED token

    @classmethod
    def class_name(cls) -> str:
        return "Namel3ssDebugSpanRecorder"

    def new_span(self, id_: str, bound_args: Any, instance: Any = None, parent_span_id: str | None = None,
                 tags: dict[str, Any] | None = None, **kwargs: Any) -> None:
        tracer = get_tracer()
        if tracer.run is None:
            return
        try:
            self._note_asked(id_, bound_args)
            if _is_run(id_, instance):
                self._open_run(tracer, id_, bound_args, instance)
            elif parent_span_id in self._chains:
                self._open_step(tracer, id_, bound_args)
        except Exception as exc:  # ours: the run goes on without its span
            tracer.note_failure(exc)

    def prepare_to_exit_span(self, id_: str, bound_args: Any, instance: Any = None, result: Any = None,
                             **kwargs: Any) -> None:
        self._end(id_, result=result)

    def prepare_to_drop_span(self, id_: str, bound_args: Any, instance: Any = None,
                             err: BaseException | None = None, **kwargs: Any) -> None:
        self._end(id_, error=err)

    # -- opening ----------------------------------------------------------------------------------
    def _open_run(self, tracer: Any, id_: str, bound_args: Any, workflow: Any) -> None:
        start = bound_args.arguments.get("start_event")
        attrs: dict[str, Any] = {"framework": FRAMEWORK, "workflow": type(workflow).__name__}
        if _is_agent(workflow):
            attrs.update(agent_attrs(workflow))
            span = tracer.start_span("agent", agent_name(workflow), "agent_execution", inputs=agent_inputs(start),
                                     attrs=attrs)
        else:
            span = tracer.start_span("chain", type(workflow).__name__, "chain_execution",
                                     inputs=event_fields(start), attrs=attrs)
            self._chains.add(id_)
        if span is not None:
            self._open[id_] = span

    def _open_step(self, tracer: Any, id_: str, bound_args: Any) -> None:
        event = bound_args.arguments.get("ev")
        attrs = {"framework": FRAMEWORK, "event": type(event).__name__}
        span = tracer.start_span("chain", step_name(id_), "chain_step", inputs=event_fields(event), attrs=attrs)
        if span is not None:
            self._open[id_] = span

    def _note_asked(self, id_: str, bound_args: Any) -> None:
        """A step given a `ToolCall` event: the call it makes, for the tool wrapper."""
        event = bound_args.arguments.get("ev")
        call_id, name = getattr(event, "tool_id", None), getattr(event, "tool_name", None)
        if isinstance(call_id, str) and isinstance(name, str) and call_id:
            self._asked[id_] = ASKED.set((name, call_id))

    # -- closing ----------------------------------------------------------------------------------
    def _end(self, id_: str, *, result: Any = None, error: BaseException | None = None) -> None:
        token = self._asked.pop(id_, None)
        if token is not None:
            _reset(token)
        self._chains.discard(id_)
        span = self._open.pop(id_, None)
        if span is None:
            return
        try:
            if error is None:
                span.outputs = {"return": answer_of(result) if span.component == "agent" else stop_result(result)}
            get_tracer().end_span(span, error=error)
        except Exception as exc:  # ours: the span stays unclosed, the run goes on
            span.run.recorder.note_failure(exc)


def _reset(token: Token[Any]) -> None:
    try:
        ASKED.reset(token)
    except ValueError:  # left from another context than it was set in: that context ends with the step
        pass


def _is_run(id_: str, instance: Any) -> bool:
    """Whether the dispatcher span is a workflow's run (llama-index-workflows names it `<class>.run-<uuid>`)."""
    workflow = getattr(sys.modules.get(WORKFLOW_MODULE), "Workflow", None)
    return (workflow is not None and isinstance(instance, workflow)
            and id_.startswith(f"{type(instance).__name__}.run-"))


def _is_agent(workflow: Any) -> bool:
    return any(cls.__name__ in AGENT_CLASSES for cls in type(workflow).__mro__)


def agent_name(workflow: Any) -> str:
    """An agent's name; `AgentWorkflow` (which runs several) by its class's name."""
    name = getattr(workflow, "name", None)
    return name if isinstance(name, str) and name else type(workflow).__name__


def agent_attrs(workflow: Any) -> dict[str, Any]:
    """The model of a single agent; the agents of an `AgentWorkflow` and the one it starts with."""
    agents = getattr(workflow, "agents", None)
    if isinstance(agents, dict):
        return {"agents": [str(name) for name in agents], "root_agent": str(getattr(workflow, "root_agent", ""))}
    model = getattr(getattr(workflow, "llm", None), "model", None)
    return {"model": model} if isinstance(model, str) else {}


def agent_inputs(start: Any) -> dict[str, Any]:
    """The user's message an agent's run starts from (text, or the message as JSON)."""
    message = getattr(start, "user_msg", None) if start is not None else None
    content = getattr(message, "content", None)
    if isinstance(content, str):
        message = content
    return {"user_msg": to_jsonable(message)}


def event_fields(event: Any) -> dict[str, Any] | None:
    """A workflow event's fields (its `_data` included: a `StartEvent` keeps what `run(**kwargs)` got)."""
    if event is None:
        return None
    try:
        return {str(key): to_jsonable(value) for key, value in dict(event).items()}
    except Exception:  # not a mapping of fields: as the tracer writes any value
        return {"event": to_jsonable(event)}


def step_name(id_: str) -> str:
    """`MyFlow.step_one-<uuid>` -> `step_one`."""
    return id_.split("-", 1)[0].rsplit(".", 1)[-1]


def answer_of(result: Any) -> Any:
    """The text an agent answered: the `response` of the stop event's `AgentOutput` (kept as an object,
    or dumped to a dict by the workflow)."""
    output = getattr(result, "result", result)
    response = output.get("response") if isinstance(output, dict) else getattr(output, "response", None)
    if isinstance(response, dict):
        texts = [block.get("text") for block in response.get("blocks") or () if isinstance(block, dict)]
        return "".join(text for text in texts if isinstance(text, str))
    content = getattr(response, "content", None)
    return content if isinstance(content, str) else to_jsonable(output)


def stop_result(result: Any) -> Any:
    """What a plain workflow's run returned (its stop event's `result`), or a step's event."""
    if result is None or type(result).__name__ != "StopEvent":
        return event_fields(result) if hasattr(result, "keys") else to_jsonable(result)
    return to_jsonable(getattr(result, "result", None))


def install_handler(dispatcher: Any) -> None:
    """Add our span handler to the root dispatcher; idempotent."""
    if not any(isinstance(handler, LlamaIndexSpanRecorder) for handler in dispatcher.span_handlers):
        dispatcher.add_span_handler(LlamaIndexSpanRecorder())
