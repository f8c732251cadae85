"""A rerun that must stop ends, on every hooked framework: the app recorded against a stub on 127.0.0.1, then its
copy edited (a tool that says something else, run again with `--live-tools`; or one question more than the
recording holds), so that the next model request is one the recording cannot answer. The rerun stops there with
the one-line miss and exit 1, whatever runs the app (asyncio, AnyIO worker threads, a framework's own threads),
and what the frameworks print while the stop unwinds them is kept off the terminal: stderr holds the rerun's own
lines only. No wall-clock assertion: each command's own timeout (Workbench.cli's) is the guard against a hang.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest
from framework_support import App, Recording, Run, Workbench, skip_unless_installed
from support.goldensuites import isolate, run_pytest, write_suite
from support.stubserver import StubServer
from support.venvs import framework_venv
from test_adk_hook import PINS as ADK
from test_agno_hook import PINS as AGNO
from test_crewai_hook import PINS as CREWAI
from test_dspy_hook import PINS as DSPY
from test_dspy_hook import DspyBench
from test_haystack_fork import HAYSTACK
from test_llama_index_hook import PINS as LLAMA_INDEX
from test_smolagents_hook import PINS as SMOLAGENTS

pytestmark = pytest.mark.frameworks

ADK_LITELLM = (*ADK, "litellm==1.110.2")
CHANGED_WEATHER = (('"light rain, 14 C"', '"heat wave, 38 C"'),)
ONE_MORE = (("QUESTIONS = (", 'QUESTIONS = ("Is it windy in Rome?", '),)  # the first question is the new one


@dataclass(frozen=True)
class Case:
    """A framework's app, the edits that make its rerun miss, the options of that rerun, and where the framework
    comes from."""

    app: str
    edits: tuple[tuple[str, str], ...] = CHANGED_WEATHER
    options: tuple[str, ...] = ("--live-tools",)
    modules: tuple[str, ...] = ()  # in this interpreter (no venv)
    venv: tuple[str, tuple[str, ...]] | None = None  # (name, pins) of a venv of its own
    bench: type[Workbench] = Workbench
    said: tuple[str, ...] = ()  # what the framework prints on stderr in a rerun before the stop, as the app's
    noisy: bool = False  # it prints the stop's traceback while the stop unwinds it (kept in the noise file)

    def workbench(self, directory: Path) -> Workbench:
        if self.modules:
            skip_unless_installed(self.app, *self.modules)
        venv = framework_venv(*self.venv) if self.venv is not None else None
        return self.bench(directory, f"sk-test-{secrets.token_hex(16)}", venv)


CASES = {
    "openai-agents": Case("openai_agents_app", modules=("agents",)),
    "langgraph": Case("langgraph_tools_app", (('f"sunny in {city}"', 'f"snowy in {city}"'),),
                      modules=("langgraph", "langchain_openai")),
    "pydantic-ai": Case("pydantic_ai_tools_app", modules=("pydantic_ai", "openai")),
    "crewai": Case("crewai_app", (('"09:05")', '"23:59")'),), venv=("crewai", CREWAI)),  # its stub asks get_time
    "llama-index": Case("llama_index_app", venv=("llama_index", LLAMA_INDEX), noisy=True),
    "haystack": Case("fork_haystack", venv=("haystack", HAYSTACK)),
    "smolagents": Case("smolagents_app", venv=("smolagents", SMOLAGENTS)),
    "adk": Case("adk_app", venv=("adk", ADK), noisy=True,
                said=("Both GOOGLE_API_KEY and GEMINI_API_KEY are set. Using GOOGLE_API_KEY.",)),
    "adk-litellm-streamed": Case("adk_litellm_app", ONE_MORE, options=(), venv=("adk_litellm", ADK_LITELLM)),
    "autogen": Case("autogen_app", modules=("autogen_agentchat", "autogen_ext.models.openai")),
    "agno": Case("agno_app", (('"paris": "14:05"', '"paris": "23:59"'),), venv=("agno", AGNO)),
    "dspy": Case("dspy_app", venv=("dspy", DSPY), bench=DspyBench),
    "google-genai": Case("genai_afc_app", modules=("google.genai",)),
}
MISSED = "not reproduced: 1 call(s) had no recorded answer"
NOISE_LINE = "namel3ss-debug: what the frameworks printed while the stop unwound the app ("
# The rerun's own lines on stderr. Not the watchdog's: a framework's main thread ends by itself after the stop.
OURS = re.compile(r"rerun of |namel3ss-debug: the rerun stopped the app, and \d+ of its threads did not end |"
                  + re.escape(NOISE_LINE))


def rerun_changed(case: Case, directory: Path) -> tuple[Recording, Run]:
    """The case's app recorded, its copy edited, and the copy rerun with the case's options."""
    bench = case.workbench(directory)
    recording = bench.record(App(case.app, case.modules, 0))
    source = recording.script.read_text()
    for recorded, changed in case.edits:
        assert recorded in source, f"{case.app} no longer has {recorded!r}"
        source = source.replace(recorded, changed)
    recording.script.write_text(source)
    return recording, bench.rerun(recording, "-y", *case.options)


def noise(run: Run, recording: Recording, said: tuple[str, ...]) -> list[str]:
    """The lines of the rerun's stderr that are neither the rerun's own (its `rerun of` line, the line naming the
    threads it leaves, the line saying where the frameworks' noise went) nor the app's, as it printed them when it
    was recorded or as its framework says them in a rerun (`said`), before the stop."""
    apps = {*recording.run.stderr.splitlines(), *said}
    return [line for line in run.stderr.splitlines()
            if line.strip() and not OURS.match(line) and line not in apps]


def assert_ended_by_its_stop(case: Case, recording: Recording, run: Run, stopped: str, stop: str) -> None:
    """The rerun ended as every stop ends it: exit 1, the report's one `stopped: ` row beginning with `stopped`,
    and stderr holding the rerun's own lines and the app's only (when the case is noisy, the line naming the
    noise file, which holds the traceback of the stop, of type `stop`, that the framework printed)."""
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.stopped().startswith(stopped), run.stdout
    assert noise(run, recording, case.said) == [], run.stderr[-5000:]
    told = [line for line in run.stderr.splitlines() if line.startswith(NOISE_LINE)]
    assert len(told) == int(case.noisy), run.stderr[-5000:]
    if told:
        assert f"namel3ss_debug.model.rerun_protocol.{stop}: " in Path(told[0].rsplit(" is in ", 1)[1]).read_text()


@pytest.mark.parametrize("name", list(CASES))
def test_a_rerun_that_misses_stops_with_the_one_line_miss_and_ends(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    recording, run = rerun_changed(case, tmp_path)
    assert run.verdict() == MISSED, run.stdout[-3000:] + run.stderr[-3000:]
    assert [line for line in run.stdout.splitlines() if line.startswith("miss ")], run.stdout
    assert_ended_by_its_stop(case, recording, run, "no recorded answer (", "RerunMiss")


GOLDEN = '''
import os

import pytest
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider


def get_weather(city: str) -> str:
    """The weather in a city today."""
    return "heat wave, 38 C" if os.environ.get("WEATHER_CHANGED") else "light rain, 14 C"


@pytest.mark.n3replay(tools="live")
def test_forecast():
    provider = OpenAIProvider(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"])
    agent = Agent(OpenAIChatModel("gpt-4o-mini", provider=provider), tools=[get_weather])
    assert "Paris" in agent.run_sync("What is the weather in Paris?").output
'''


def test_a_golden_test_of_a_changed_sync_tool_fails_at_its_miss_and_pytest_ends(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pydantic-ai runs a sync tool on an AnyIO worker thread, which waits for a callback asyncio skips when the
    stop leaves the event loop: the session fails the test with its miss and ends, naming the thread, instead of
    waiting for it for ever (the subprocess's timeout, run_pytest's, is the guard)."""
    skip_unless_installed("a golden test of pydantic-ai", "pydantic_ai", "openai")
    isolate(monkeypatch)
    write_suite(tmp_path, test_forecast=GOLDEN)
    server = StubServer(fresh=True).start()
    try:
        environ = {"STUB_URL": server.url, "STUB_KEY": f"sk-test-{secrets.token_hex(16)}"}
        recorded = run_pytest(tmp_path, environ, "--n3-record=once")
        assert recorded.ret == 0, "\n".join(recorded.outlines + recorded.errlines)
        stopped = run_pytest(tmp_path, {**environ, "WEATHER_CHANGED": "1"}, "--n3-record=none")
    finally:
        server.stop()
    assert stopped.ret == 1, "\n".join(stopped.outlines + stopped.errlines)
    assert any(line.startswith("FAILED test_forecast.py::test_forecast") for line in stopped.outlines)
    assert "golden run golden/test_forecast/test_forecast.jsonl has no answer for llm:openai.chat#2 under " \
           "agent:agent#1" in stopped.outlines, "\n".join(stopped.outlines)
    assert any(line.startswith("namel3ss-debug: the rerun stopped the app, and 1 of its threads did not end "
                               "within 5 s (AnyIO worker thread)") for line in stopped.errlines), \
        "\n".join(stopped.errlines)
