"""namel3ss-debug: trace LLM-agent applications, then analyze, inspect and replay the traces.

The library API. Importing it never imports click, rich, prompt_toolkit or psutil.

    from namel3ss_debug import trace_llm_call, trace_tool_call, span

    @trace_tool_call
    def search(query: str) -> list[str]: ...

With `NAMEL3SS_DEBUG_ENABLED=1` (or `"enabled": true` in `.namel3ss/debug.json`), importing this
package starts a run that ends at interpreter exit.
"""

from ._version import __version__
from .tracer.api import (
    configure,
    current_span,
    get_tracer,
    mark,
    span,
    trace_agent_execution,
    trace_agent_turn,
    trace_chain_execution,
    trace_chain_step,
    trace_error,
    trace_llm_call,
    trace_memory_operation,
    trace_prompt_execution,
    trace_tool_call,
    trace_validation,
)
from .tracer.autostart import autostart as _autostart

__all__ = [
    "__version__",
    "configure",
    "current_span",
    "get_tracer",
    "mark",
    "span",
    "trace_agent_execution",
    "trace_agent_turn",
    "trace_chain_execution",
    "trace_chain_step",
    "trace_error",
    "trace_llm_call",
    "trace_memory_operation",
    "trace_prompt_execution",
    "trace_tool_call",
    "trace_validation",
]

_autostart()
