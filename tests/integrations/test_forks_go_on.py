"""A fork whose answer corrects a tool call goes on to the final answer with no flag: the tool the changed answer
asks for runs for real (the recording has no result for its new arguments), and the next model request, which
the recording lacks too, goes to `--base-url` (stub B). On LangGraph (a model node and a `ToolNode`) and
LlamaIndex (a `FunctionAgent`, streaming, from a venv of its own); pydantic-ai, openai-agents and Haystack have
the same test beside their other fork tests (test_*_fork.py). Nothing after a recording reaches stub A."""

from __future__ import annotations

import secrets
from typing import Iterator

import pytest
from forkbench import ForkBench, tool_call
from framework_support import Workbench, skip_unless_installed
from support.venvs import framework_venv
from test_llama_index_hook import PINS as LLAMA_INDEX

pytestmark = pytest.mark.frameworks


def _bench(tmp_path_factory: pytest.TempPathFactory, name: str, app: str, venv: object = None) -> ForkBench:
    key = f"sk-test-{secrets.token_hex(16)}"
    return ForkBench(Workbench(tmp_path_factory.mktemp(name), key, venv), app)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def langgraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkBench]:
    skip_unless_installed("langgraph_tools_app.py", "langgraph", "langchain_openai")
    bench = _bench(tmp_path_factory, "langgraph-fork", "langgraph_tools_app.py")
    yield bench
    bench.stop()


@pytest.fixture(scope="module")
def llama_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkBench]:
    bench = _bench(tmp_path_factory, "llama-index-fork", "llama_index_app.py",
                   framework_venv("llama_index", LLAMA_INDEX))
    yield bench
    bench.stop()


# (the bench's fixture, the app, the tool body's log line, what the tool returned into the next request)
FORKS = {"langgraph": ("langgraph_tools_app.py", "get_weather", "sunny in Oslo"),
         "llama_index": ("llama_index_app.py", "get_weather Oslo", "snow, -3 C")}


@pytest.mark.parametrize("framework", list(FORKS))
def test_a_fork_correcting_a_tool_call_runs_the_tool_and_goes_on_to_the_answer(framework, request):
    bench: ForkBench = request.getfixturevalue(framework)
    app, body, returned = FORKS[framework]
    recorded = bench.record(app)
    bench.new_bodies()
    before = len(bench.b.hits)
    run, report = bench.fork(recorded, "--fork", "llm:openai.chat#1", "--answer", tool_call("get_weather", city="Oslo"),
                             "--base-url", bench.b.url)
    assert run.returncode == 0, run.stderr
    assert report["misses"] == [] and report["fork"]["call"] == "llm:openai.chat#1"
    assert bench.new_bodies()[0] == body  # the framework ran the corrected call's tool, with no flag
    assert len(bench.b.hits) > before  # the request carrying its result went to B, and the run went on
    assert returned in str(bench.b.requests[before])
    assert run.app_lines(), "the app went on to print its answers"

