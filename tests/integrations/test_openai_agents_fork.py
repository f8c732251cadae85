"""A fork of an openai-agents run (a hooked framework: its tools answered by the hook), recorded against stub A,
forked to stub B: the fork's answer reaches the agent, a tool call it asks for runs (no flag needed), and the
agent's next request, now unrecorded, goes to B; requests that still ask what was recorded are answered from it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import orjson
import pytest
from support.stubserver import StubServer

pytest.importorskip("agents")
pytestmark = pytest.mark.frameworks

APP = Path(__file__).parent / "apps" / "openai_agents_app.py"
KEY = "sk-test-agents-fork"


class Bench:
    def __init__(self, a: Any, b: Any, directory: Path):
        self.a, self.b, self.directory = a, b, directory
        shutil.copyfile(APP, directory / APP.name)
        done = self.run("trace", "-q", "-o", "recorded", APP.name)
        assert done.returncode == 0, done.stderr
        self.trace = next((directory / "recorded").glob("*.jsonl"))

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
        env.update({"STUB_URL": self.a.url, "STUB_KEY": KEY, "NO_COLOR": "1"})
        return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=self.directory, env=env,
                              capture_output=True, text=True, timeout=300)

    def fork(self, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        hits = len(self.a.hits)
        done = self.run("replay", str(self.trace), "--rerun", "-o", "forks", "--format", "json", *args)
        assert len(self.a.hits) == hits, "a request reached the recording's model"
        return done, orjson.loads(done.stdout)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    with StubServer(api_key=KEY) as a, StubServer(api_key=KEY, fresh=True) as b:
        yield Bench(a, b, tmp_path_factory.mktemp("agents-fork"))


def answers(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("answer: ")]


def test_an_answer_reaches_the_agent_and_the_rest_comes_from_the_recording(bench):
    before = len(bench.b.hits)
    done, report = bench.fork("--fork", "llm:openai.responses#2", "--answer", "It is sunny.", "--base-url", bench.b.url)
    assert done.returncode == 0, done.stderr
    assert answers(done) == ["answer: It is sunny.", "answer: Echo: Is it cold in Oslo? (tool said: snow, -3 C)"]
    assert len(bench.b.hits) == before  # the second question asked what was recorded: answered from it
    assert report["counts"]["forked"] == 1 and report["parted"] == {"call": "llm:openai.responses#2",
                                                                     "how": "forked"}


def test_a_tool_call_answer_runs_the_tool_and_the_next_request_goes_to_the_other_model(bench):
    before = len(bench.b.hits)
    oslo = {"content": None, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]}
    done, report = bench.fork("--fork", "llm:openai.responses#1", "--answer", json.dumps(oslo),
                              "--base-url", bench.b.url)  # no --live-tools: the tool asked for runs
    assert done.returncode == 0, done.stderr
    first = answers(done)[0]
    assert "snow, -3 C" in first and "[nonce " in first  # B's answer to the agent's request with Oslo's weather
    assert len(bench.b.hits) - before >= 1
    assert "snow, -3 C" in json.dumps(bench.b.requests[before])
