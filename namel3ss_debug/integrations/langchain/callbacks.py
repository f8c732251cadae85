"""The callback handler langchain-core adds to every run: graph runs, nodes and retrievers as spans.

Which runs become spans, so the tree stays readable:
- the outermost run of an `invoke` / `stream` (a compiled graph, a chain): a `chain` span
  (`chain_execution_*`) named after the run (`LangGraph`, or the graph's name);
- a LangGraph node (its run's metadata names it `langgraph_node` and its tags hold `graph:step:N`):
  a `chain_step` span named after the node, attrs `langgraph_node`, `langgraph_step`,
  `langgraph_triggers`; a subgraph's nodes nest under the node that runs the subgraph;
- a retriever: a `custom` span (`custom_retrieval_*`), inputs the query, outputs the documents.
Every other runnable (sequences, lambdas, branches, LangGraph's channel writes) makes none, and chat
models make none either: their requests are recorded at the HTTP client.

The handler runs inline (`run_inline`), in the context of the run it observes, and each span it opens
is the current span there: langchain-core copies that context for the run's steps, so the calls a node
makes (a model's request, a tool) open their spans under the node's. A span ends when its run ends.
Nothing here raises into the app: a failure of ours is counted by the recorder.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from types import ModuleType
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler

from ...tracer.api import get_tracer
from ...tracer.context import current
from .graphs import AgentGraph, agent_started
from .values import plain, said_last

FRAMEWORK = "langchain"
STEP_TAG = "graph:step:"


def _while_tracing(callback: Callable[..., None]) -> Callable[..., None]:
    """A callback that starts a run's span: it does nothing while no run is traced, else is given the tracer
    after `self`; a failure of ours is counted, and the run goes on without its span."""

    @functools.wraps(callback)
    def starting(self: Any, *args: Any, **kwargs: Any) -> None:
        tracer = get_tracer()
        if tracer.run is None:
            return
        try:
            callback(self, tracer, *args, **kwargs)
        except Exception as exc:  # ours: the run goes on without its span
            tracer.run.recorder.note_failure(exc)

    return starting


class LangchainSpanRecorder(BaseCallbackHandler):  # type: ignore[misc]  # langchain-core's class: Any to mypy (pyproject)
    """Opens our spans at the start of the runs that get one and ends them with the run; tells a
    model's run, or a tool's, which of our spans it is under."""

    run_inline = True  # called in the run's own context, not from a thread pool's
    raise_error = False

    def __init__(self) -> None:
        self._open: dict[UUID, Any] = {}  # run id -> the span it opened
        self._owner: dict[UUID, Any] = {}  # run id -> the nearest span of ours it runs under
        self._by_id: dict[str, Any] = {}  # span id -> our open span
        self._agents: dict[UUID, Any] = {}  # run id of a graph that is an agent -> its agent span

    @property
    def ignore_agent(self) -> bool:
        return True

    @property
    def ignore_retry(self) -> bool:
        return True

    @property
    def ignore_custom_event(self) -> bool:
        return True

    # -- chains and graph nodes ------------------------------------------------------------------
    @_while_tracing
    def on_chain_start(self, tracer: Any, serialized: Any, inputs: Any, *, run_id: UUID,
                       parent_run_id: UUID | None = None, tags: list[str] | None = None,
                       metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        name = kwargs.get("name") or _serialized_name(serialized)
        if parent_run_id is None:
            self._start(tracer, run_id, None, "chain", name or "chain", "chain_execution", inputs,
                        {"framework": FRAMEWORK})
        elif name and metadata and metadata.get("langgraph_node") == name and _is_step(tags):
            self._start(tracer, run_id, parent_run_id, "chain", name, "chain_step", inputs, node_attrs(metadata))
        else:
            self._inherit(run_id, parent_run_id)
        agent = agent_started(run_id)
        if agent is not None:
            self._start_agent(tracer, run_id, agent, inputs)

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, outputs=outputs)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

    # -- models: their requests are recorded at the HTTP client, under the span made current here --
    def _model_started(self, serialized: Any, given: Any, /, *, run_id: UUID, parent_run_id: UUID | None = None,
                       **kwargs: Any) -> None:
        """A model's run starts, given its messages (a chat model's) or its prompts."""
        self._enter(run_id, parent_run_id)

    on_chat_model_start = on_llm_start = _model_started

    # -- tools: their spans are the wrapper's (tools.py), current where the tool's run starts ------
    def on_tool_start(self, serialized: Any, input_str: str, *, run_id: UUID, parent_run_id: UUID | None = None,
                      **kwargs: Any) -> None:
        span = current.get()
        if getattr(span, "component", None) == "tool" and not span.ended:
            self._owner[run_id] = span
        else:
            self._inherit(run_id, parent_run_id)

    def _run_ended(self, outcome: Any, /, *, run_id: UUID, **kwargs: Any) -> None:
        """A model's or a tool's run ended, with its result or its error: no call of ours goes under it now."""
        self._owner.pop(run_id, None)

    on_llm_end = on_llm_error = on_tool_end = on_tool_error = _run_ended

    # -- retrievers -------------------------------------------------------------------------------
    @_while_tracing
    def on_retriever_start(self, tracer: Any, serialized: Any, query: str, *, run_id: UUID,
                           parent_run_id: UUID | None = None, tags: list[str] | None = None,
                           metadata: dict[str, Any] | None = None, **kwargs: Any) -> None:
        name = kwargs.get("name") or _serialized_name(serialized) or "retriever"
        self._start(tracer, run_id, parent_run_id, "custom", name, "custom_retrieval", {"query": query},
                    {"framework": FRAMEWORK, "kind": "retriever"})

    def on_retriever_end(self, documents: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, outputs=documents, key="documents")

    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

    # -- where a run is ---------------------------------------------------------------------------
    def parent_for(self, parent_run_id: UUID | None) -> Any:
        """The span a call made under run `parent_run_id` belongs under: our nearest span above it,
        unless the current span is already inside that one (a span the app opened in a node); None
        when the current span is the right parent."""
        owner = self._owner.get(parent_run_id) if parent_run_id is not None else None
        if owner is None or owner.ended:
            return None
        now = current.get()
        if now is owner or (now is not None and not getattr(now, "ended", False)
                            and now.span_id not in self._above(owner)):
            return None
        return owner

    def _above(self, span: Any) -> set[str]:
        """The ids of `span`'s ancestors: ours while they are open, then the first that is not ours."""
        ids: set[str] = set()
        parent_id = span.parent_id
        while parent_id is not None and parent_id not in ids:
            ids.add(parent_id)
            above = self._by_id.get(parent_id)
            parent_id = above.parent_id if above is not None else None
        return ids

    def _inherit(self, run_id: UUID, parent_run_id: UUID | None) -> None:
        owner = self._owner.get(parent_run_id) if parent_run_id is not None else None
        if owner is not None:
            self._owner[run_id] = owner

    def _enter(self, run_id: UUID, parent_run_id: UUID | None) -> None:
        """A model's run starts: our span it runs under becomes current in its context (a copy
        langchain-core made for the step that calls it), so its HTTP request's span nests there."""
        try:
            self._inherit(run_id, parent_run_id)
            owner = self.parent_for(parent_run_id)
            if owner is not None:
                current.set(owner)
        except Exception as exc:  # ours: the request's span goes under the current span
            get_tracer().note_failure(exc)

    # -- spans ------------------------------------------------------------------------------------
    def _start(self, tracer: Any, run_id: UUID, parent_run_id: UUID | None, component: str, name: str,
               prefix: str, inputs: Any, attrs: dict[str, Any]) -> None:
        # Not made current here: an async run's end is called from another task (langchain-core
        # shields it), which could not undo it in this context. Its children find it by their run.
        parent = self.parent_for(parent_run_id)
        span = tracer.start_span(component, str(name), prefix, inputs=_inputs(inputs), attrs=attrs,
                                 activate=False, parent_id=parent.span_id if parent is not None else None)
        if span is not None:
            self._open[run_id] = self._owner[run_id] = self._by_id[span.span_id] = span

    def _start_agent(self, tracer: Any, run_id: UUID, agent: AgentGraph, inputs: Any) -> None:
        """A graph that is an agent (`graphs.py`) starts: its `agent` span, under the graph's own span (or the
        span its run is under), holds the graph's steps."""
        owner = self._owner.get(run_id)
        span = tracer.start_span("agent", agent.name, "agent_execution", inputs={"input": said_last(inputs)},
                                 attrs={"framework": "langgraph", "tools": list(agent.tools)}, activate=False,
                                 parent_id=owner.span_id if owner is not None else None)
        if span is not None:
            self._agents[run_id] = self._owner[run_id] = self._by_id[span.span_id] = span

    def _end(self, run_id: UUID, *, outputs: Any = None, error: BaseException | None = None,
             key: str = "return") -> None:
        self._owner.pop(run_id, None)
        agent = self._agents.pop(run_id, None)
        if agent is not None:  # ends first, as the graph's run ends: with its answer, or failed with its error
            self._close(agent, {"output": said_last(outputs)} if error is None else None, error)
        span = self._open.pop(run_id, None)
        if span is not None:
            self._close(span, {key: plain(outputs)} if error is None else None, error)

    def _close(self, span: Any, outputs: dict[str, Any] | None, error: BaseException | None) -> None:
        self._by_id.pop(span.span_id, None)
        try:
            if outputs is not None:
                span.outputs = outputs
            get_tracer().end_span(span, error=error)
        except Exception as exc:  # ours: the span stays unclosed, the run goes on
            span.run.recorder.note_failure(exc)


def node_attrs(metadata: dict[str, Any]) -> dict[str, Any]:
    """What LangGraph's metadata says of a node's run (not its checkpoint namespace: a new uuid each run)."""
    attrs: dict[str, Any] = {"framework": "langgraph", "langgraph_node": metadata["langgraph_node"]}
    for key in ("langgraph_step", "langgraph_triggers"):
        if metadata.get(key) is not None:
            attrs[key] = plain(metadata[key])
    return attrs


def _inputs(inputs: Any) -> Any:
    converted = plain(inputs)
    return converted if isinstance(converted, dict) else {"input": converted}


def _is_step(tags: list[str] | None) -> bool:
    return any(tag.startswith(STEP_TAG) for tag in tags or ())


def _serialized_name(serialized: Any) -> str | None:
    if not isinstance(serialized, dict):
        return None
    name = serialized.get("name")
    if name:
        return str(name)
    path = serialized.get("id")
    return str(path[-1]) if isinstance(path, list) and path else None


HANDLER = LangchainSpanRecorder()
# The configure hook adds a handler its context variable holds: ours holds one for every context.
_HOOK: ContextVar[Any] = ContextVar("namel3ss_debug_langchain_handler", default=HANDLER)


_registered: list[ModuleType] = []


def install_handler(context: ModuleType) -> None:
    """Register the handler with langchain-core's configure hook (`tracers.context`); idempotent."""
    if context not in _registered:
        context.register_configure_hook(_HOOK, True)
        _registered.append(context)
