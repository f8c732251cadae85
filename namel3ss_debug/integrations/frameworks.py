"""Agent frameworks hooked when the app imports them: their agents, handoffs, graph nodes and tools
become spans, through each framework's public hooks (a tracing processor, callback handlers,
instrumentation, OpenTelemetry spans), nested under and beside the LLM calls `transport/` records.

Nothing is imported on the app's behalf: each hook waits for its framework's import
(`tracer.imports.when_imported`). A hook point a framework version lacks, or a failure while
hooking, is one warning on stderr; the app runs on, its LLM calls still recorded at the HTTP client.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

# The module whose import installs a hook -> the hook's module here (each has `install(module)`,
# returning the hook points it could not find).
FRAMEWORKS = {
    "agents": "openai_agents_hook",
    "langchain_core": "langchain_hook",
    "pydantic_ai": "pydantic_ai_hook",
    "mcp": "mcp_hook",
    "opentelemetry.sdk.trace": "otel_hook",
}

_installed = False


def capture_frameworks() -> None:
    """Hook the frameworks the app imports, from now on (at once, those it has). Idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    from ..tracer.imports import when_imported  # noqa: PLC0415 - importlib.abc: not at the package's import

    for name in FRAMEWORKS:
        when_imported(name, _installer(name))


def _installer(name: str):  # noqa: ANN202 - a callback for when_imported
    def install(module: ModuleType) -> None:
        try:
            hook = importlib.import_module(f"{__package__}.{FRAMEWORKS[name]}")
            missing = hook.install(module)
        except Exception as exc:  # the framework changed under us: its structure goes unrecorded
            missing = [f"all ({type(exc).__name__}: {exc})"]
        if missing and sys.stderr is not None:
            version = _version(name)
            print(f"namel3ss-debug: {name} {version}: not recorded: {', '.join(missing)} "
                  "(this version lacks the hook point; its LLM calls are still recorded)", file=sys.stderr)

    return install


def _version(name: str) -> str:
    from importlib import metadata  # noqa: PLC0415 - only a warning needs it

    distribution = {"agents": "openai-agents", "langchain_core": "langchain-core", "pydantic_ai": "pydantic-ai-slim",
                    "opentelemetry.sdk.trace": "opentelemetry-sdk"}.get(name, name)
    try:
        return metadata.version(distribution)
    except Exception:  # no metadata: the warning says "?"
        return "?"


__all__ = ["capture_frameworks", "FRAMEWORKS"]
