"""A tool that returns an error instead of raising one is a failed tool span and a run that is not healthy, on every
hooked framework and the raw openai loop (issue 99): whatever object the framework hands the model the result in
(a LangGraph `ToolMessage`, a LlamaIndex `ToolOutput`, a string, a wire message), the error rule reads what it says
(`model/result_text.py`, `model/error_shape.py`).

Each framework's app of `apps/` is recorded against the stub on 127.0.0.1 from an edited copy: `get_weather` returns
the text `Error: city not found` and `get_time` (openai-agents' app has one tool: its second question) an error
object with a context key beside it, `{"error": "KeyError: 'tokyo'", "city": {...}}`, whose error is an
exception's text. Every span of either tool ends failed, `error.inferred`, by the rule that reads that form, and
`analyze` does not call the run healthy.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from framework_support import APPS, App, Recording, Workbench, skip_unless_installed
from support.venvs import framework_venv
from test_crewai_hook import PINS as CREWAI
from test_haystack_fork import HAYSTACK
from test_llama_index_hook import PINS as LLAMA_INDEX
from test_smolagents_hook import PINS as SMOLAGENTS

pytestmark = pytest.mark.frameworks

TEXT = '"Error: city not found"'
CONTEXT = '''\'\'\'{"error": "KeyError: 'tokyo'", "city": {"name": "Tokyo", "country": "JP"}}\'\'\''''
# each tool's first body line, replaced by a return of what the tool now says
WEATHER_TEXT = ('ran(f"get_weather {city}")', f"return {TEXT}")
TIME_CONTEXT = ('ran(f"get_time {city}")', f"return {CONTEXT}")
TOOLS = ("get_weather", "get_time")
# what each error reads as: (message, rule, type)
READ = {("Error: city not found", "error_word", "ToolError"), ("KeyError: 'tokyo'", "json", "KeyError")}


@dataclass(frozen=True)
class Case:
    """A framework's app, the edits (file of `apps/`, text, replacement) that make its tools return errors, and
    where the framework comes from."""

    app: str
    edits: tuple[tuple[str, str, str], ...]
    modules: tuple[str, ...] = ()  # in this interpreter (no venv)
    venv: tuple[str, tuple[str, ...]] | None = None  # (name, pins) of a venv of its own

    def workbench(self, directory: Path) -> Workbench:
        if self.modules:
            skip_unless_installed(self.app, *self.modules)
        venv = framework_venv(*self.venv) if self.venv is not None else None
        return Workbench(directory, f"sk-test-{secrets.token_hex(16)}", venv)


def _own(app: str, *edits: tuple[str, str]) -> tuple[tuple[str, str, str], ...]:
    return tuple((app, old, new) for old, new in edits)


CASES = {
    "openai-agents": Case("openai_agents_app", _own("openai_agents_app", (
        'return {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}.get(city.lower(), "clear, 18 C")',
        f'return {TEXT} if "paris" in city.lower() else {CONTEXT}')), modules=("agents",)),
    "langgraph": Case("langgraph_tools_app", _own("langgraph_tools_app", ('return f"sunny in {city}"',
                                                                          f"return {TEXT}"),
                                                  ('return f"noon in {city}"', f"return {CONTEXT}")),
                      modules=("langgraph", "langchain_openai")),
    "llama-index": Case("llama_index_app", _own("llama_index_app", WEATHER_TEXT, TIME_CONTEXT),
                        venv=("llama_index", LLAMA_INDEX)),
    "pydantic-ai": Case("pydantic_ai_tools_app", _own("pydantic_ai_tools_app", WEATHER_TEXT, TIME_CONTEXT),
                        modules=("pydantic_ai", "openai")),
    "crewai": Case("crewai_app", _own("crewai_app", WEATHER_TEXT, TIME_CONTEXT), venv=("crewai", CREWAI)),
    "smolagents": Case("smolagents_app", _own("smolagents_app", WEATHER_TEXT, TIME_CONTEXT),
                       venv=("smolagents", SMOLAGENTS)),
    "haystack": Case("fork_haystack", (*_own("fork_haystack", WEATHER_TEXT), *_own("wire_tools", TIME_CONTEXT)),
                     venv=("haystack", HAYSTACK)),
    "raw-openai-loop": Case("wire_openai_chat", _own("wire_tools", WEATHER_TEXT, TIME_CONTEXT), modules=("openai",)),
}


def record_edited(case: Case, directory: Path) -> tuple[Workbench, Recording]:
    """The case's app recorded from a copy of `apps/` with its edits made."""
    bench = case.workbench(directory)
    copy = directory / APPS.name
    shutil.copytree(APPS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for stem, old, new in case.edits:
        source = copy / f"{stem}.py"
        text = source.read_text()
        assert old in text, f"{stem}.py no longer has {old!r}"
        source.write_text(text.replace(old, new))
    return bench, bench.record(App(case.app, case.modules, 0), copy / f"{case.app}.py")


@pytest.mark.parametrize("name", list(CASES))
def test_a_tool_returning_an_error_is_a_failed_inferred_span_and_an_unhealthy_run(name: str, tmp_path: Path) -> None:
    bench, recording = record_edited(CASES[name], tmp_path)
    ends = [end for _, end in recording.spans("tool") if end["name"] in TOOLS]
    missed = [(end["name"], end["status"], end.get("outputs")) for end in ends
              if (end["status"], end.get("error", {}).get("handled"), end.get("error", {}).get("inferred"))
              != ("failed", True, True)]
    assert ends and missed == [], missed
    read = {(end["error"]["message"], end["error"]["rule"], end["error"]["type"]) for end in ends}
    assert read == READ, [end.get("outputs") for end in ends]
    assert bench.analyze(recording)["health"]["verdict"] != "healthy"
