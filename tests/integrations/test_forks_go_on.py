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


def test_langgraph_a_fork_correcting_a_tool_call_runs_the_tool_and_goes_on_to_the_answer(langgraph):
    recorded = langgraph.record("langgraph_tools_app.py")
    langgraph.new_bodies()
    before = len(langgraph.b.hits)
    run, report = langgraph.fork(recorded, "--fork", "llm:openai.chat#1", "--answer",
                                 tool_call("get_weather", city="Oslo"), "--base-url", langgraph.b.url)
    assert run.returncode == 0, run.stderr
    assert report["misses"] == [] and report["fork"]["call"] == "llm:openai.chat#1"
    assert langgraph.new_bodies()[0] == "get_weather"  # the ToolNode ran the corrected call's tool
    lines = run.app_lines()
    assert "sync tool get_weather: sunny in Oslo" in lines
    assert any(line.startswith("sync answer: ") and "[nonce " in line for line in lines), lines
    assert len(langgraph.b.hits) > before  # the request carrying Oslo's weather went to B
    assert "sunny in Oslo" in str(langgraph.b.requests[before])


def test_llama_index_a_fork_correcting_a_tool_call_runs_the_tool_and_goes_on_to_the_answer(llama_index):
    recorded = llama_index.record("llama_index_app.py")
    llama_index.new_bodies()
    before = len(llama_index.b.hits)
    run, report = llama_index.fork(recorded, "--fork", "llm:openai.chat#1", "--answer",
                                   tool_call("get_weather", city="Oslo"), "--base-url", llama_index.b.url)
    assert run.returncode == 0, run.stderr
    assert report["misses"] == []
    assert llama_index.new_bodies()[0] == "get_weather Oslo"  # the agent ran the corrected call's tool
    assert len(llama_index.b.hits) > before
    assert "snow, -3 C" in str(llama_index.b.requests[before])
