"""namel3ss-debug: trace LLM-agent applications, then analyze, inspect and replay the traces.

The library API. Importing it never imports click, rich, prompt_toolkit or psutil.

    from namel3ss_debug import trace_llm_call, trace_tool_call, span

    @trace_tool_call
    def search(query: str) -> list[str]: ...

With `NAMEL3SS_DEBUG_ENABLED=1` (or `"enabled": true` in `.namel3ss/debug.json`), importing this
package starts a run that ends at interpreter exit.
"""

from typing import TYPE_CHECKING

from ._version import __version__
from .tracer.argv import process_is_cli as _process_is_cli

__all__ = [
    "__version__",
    "configure",
    "current_span",
    "get_tracer",
    "capture_http",
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

_HOMES = {"configure": ".launch.configure", "capture_http": ".transport"}  # the rest: .tracer.api

if TYPE_CHECKING:  # for type checkers and editors; at run time the names load on first use
    from .launch.configure import configure
    from .tracer.api import (
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
    from .transport import capture_http


def __getattr__(name: str) -> object:
    """The API loads on first use, so that the CLI, which needs none of it, starts fast."""
    if name in __all__:
        import importlib  # noqa: PLC0415 - only a first use of the API gets here

        value = getattr(importlib.import_module(_HOMES.get(name, ".tracer.api"), __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if not _process_is_cli():  # the CLI starts its own runs, with its flags
    from .launch.autostart import autostart as _autostart

    _autostart()
