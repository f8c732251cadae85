"""Trees that nest, on every hooked framework (issue 78): each framework's app traced against the stub on
127.0.0.1, and every span of its trace within its parent's interval (in seq and in time), none left open, none
ending after its parent, after `run_end`, or after the run's unhandled error as if nothing had failed
(`support.nesting.assert_nested`). Where a hook records a step or an agent and the wire sees the conversation
too, the two make one tree: an agent from the wire never straddles a span the hook recorded.

The apps are those of the frameworks' own test modules (test_*_hook.py), each run as there: in this
interpreter, or in the framework's venv with the same pins; Haystack, which no hook of ours sees, stands for the
frameworks whose agent only the wire makes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
from framework_support import App, Workbench, skip_unless_installed
from support.nesting import assert_nested
from support.venvs import framework_venv
from test_agno_hook import PINS as AGNO
from test_crewai_hook import PINS as CREWAI
from test_dspy_hook import PINS as DSPY
from test_dspy_hook import DspyBench
from test_haystack_wire_agent import HAYSTACK
from test_llama_index_hook import PINS as LLAMA_INDEX
from test_smolagents_hook import PINS as SMOLAGENTS

pytestmark = pytest.mark.frameworks


@dataclass(frozen=True)
class Case:
    """A hooked framework's app, its modules in this interpreter or the (name, pins) of its venv, its bench."""

    app: App
    venv: tuple[str, tuple[str, ...]] | None = None
    bench: type[Workbench] = Workbench
    env: tuple[tuple[str, str], ...] = ()

    def workbench(self, tmp_path_factory: pytest.TempPathFactory) -> Workbench:
        skip_unless_installed(self.app.stem, *self.app.modules)
        venv = framework_venv(*self.venv) if self.venv is not None else None
        return self.bench(tmp_path_factory.mktemp(self.app.stem), f"sk-test-{secrets.token_hex(16)}", venv,
                          env=dict(self.env))


CASES = {
    "langgraph": Case(App("langgraph_tools_app", ("langgraph", "langchain_openai"), 6)),
    "langgraph-tool-error": Case(App("langgraph_tool_error_app", ("langgraph", "langchain_openai"), 4)),
    "openai-agents": Case(App("agents_handoff_app", ("agents", "openai"), 6)),
    "pydantic-ai": Case(App("pydantic_ai_tools_app", ("pydantic_ai", "openai"), 9)),
    "google-genai": Case(App("genai_afc_app", ("google.genai",), 10)),
    "mcp": Case(App("mcp_tools_app", ("mcp", "openai"), 4)),
    "autogen": Case(App("autogen_app", ("autogen_agentchat", "autogen_ext.models.openai"), 4)),
    "autogen-otel": Case(App("autogen_app", ("autogen_agentchat", "autogen_ext.models.openai",
                                             "opentelemetry.sdk.trace"), 4), env=(("AUTOGEN_OTEL", "1"),)),
    "llama-index": Case(App("llama_index_app", (), 9), venv=("llama_index", LLAMA_INDEX)),
    "crewai": Case(App("crewai_app", (), 9), venv=("crewai", CREWAI)),
    "smolagents": Case(App("smolagents_app", (), 13), venv=("smolagents", SMOLAGENTS)),
    "agno": Case(App("agno_app", (), 20), venv=("agno", AGNO)),
    "dspy": Case(App("dspy_app", (), 12), venv=("dspy", DSPY), bench=DspyBench),
    "haystack": Case(App("haystack_agent_app", (), 3), venv=("haystack", HAYSTACK)),  # no hook: the wire's agent
}


@pytest.mark.parametrize("framework", CASES)
def test_every_span_nests_in_its_parent(framework: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    case = CASES[framework]
    recording = case.workbench(tmp_path_factory).record(case.app)
    assert_nested(recording.events)
