"""Agent frameworks hooked when the app imports them: their agents, handoffs, graph nodes and tools
become spans, through each framework's own hooks (a tracing processor, callback handlers, a run
capability, OpenTelemetry spans), nested under and beside the LLM calls `transport/` records. Where a
public hook can only watch, a tool is also wrapped where it runs (a rerun must answer it without its
body): each hook module says which seam it uses and why.

Nothing is imported on the app's behalf: each hook waits for its framework's import
(`tracer.imports.when_imported`). A hook point a framework version lacks, or a failure while
hooking, is one warning on stderr; the app runs on, its LLM calls still recorded at the HTTP client.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

# The module whose import installs a hook -> the hook's module here (each has `install(module)`,
# returning the hook points it could not find).
FRAMEWORKS = {
    "agents": "openai_agents.hook",
    "langchain_core": "langchain.hook",
    "pydantic_ai": "pydantic_ai.hook",
    "mcp": "mcp.hook",
    "opentelemetry.sdk.trace": "otel.hook",
    "crewai": "crewai.hook",
    "llama_index.core": "llama_index.hook",
    "smolagents": "smolagents.hook",
    "agno": "agno.hook",
    "autogen_core": "autogen.hook",
    "google.genai": "google_genai.hook",
    "google.adk": "adk.hook",
    "dspy": "dspy.hook",
}

# The distribution a warning names the version of, where the module has no `__version__`.
DISTRIBUTIONS = {"agents": "openai-agents", "langchain_core": "langchain-core", "pydantic_ai": "pydantic-ai-slim",
                 "opentelemetry.sdk.trace": "opentelemetry-sdk", "llama_index.core": "llama-index-core",
                 "agno": "agno", "autogen_core": "autogen-core", "google.genai": "google-genai",
                 "google.adk": "google-adk"}
UNRECORDED, STILL = "not recorded", "its LLM calls are still recorded"  # what a hook's warning says

_installed = False


def guarded(package: str, hook_point: str, install: Callable[[ModuleType], None]) -> Callable[[ModuleType], None]:
    """`install`, for a module of `package` that loads after it (`tracer.imports.when_imported`), run inside the
    app's import: a failure is one warning naming `hook_point`, never an error of the app's."""
    def run(module: ModuleType) -> None:
        try:
            install(module)
        except Exception as exc:  # this version lacks the hook point: what it records goes unrecorded
            from ..tracer.imports import warn_unhooked  # noqa: PLC0415 - importlib.abc: not at the package's import

            warn_unhooked(package, sys.modules.get(package), [f"{hook_point} ({type(exc).__name__}: {exc})"],
                          unrecorded=UNRECORDED, still=STILL, distribution=DISTRIBUTIONS.get(package))

    return run


def capture_frameworks() -> None:
    """Hook the frameworks the app imports, from now on (at once, those it has). Idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    from ..tracer.imports import hook_when_imported  # noqa: PLC0415 - importlib.abc: not at the package's import

    for name, hook in FRAMEWORKS.items():
        hook_when_imported(name, f"{__package__}.{hook}", unrecorded=UNRECORDED, still=STILL,
                           distribution=DISTRIBUTIONS.get(name))


__all__ = ["capture_frameworks", "guarded", "FRAMEWORKS", "UNRECORDED", "STILL"]
