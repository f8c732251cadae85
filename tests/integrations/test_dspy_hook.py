"""DSPy's `ReAct` agents and tools, traced with no change to the app (`integrations/dspy/hook.py`): each
`ReAct` run is an `agent` span over the LLM calls recorded at lm15's transports (the HTTP client DSPy
vendors, `transport/lm15_hook.py`), each `dspy.Tool` call a `tool` span with its arguments and result,
and `replay --rerun` answers the LLM calls and the tools from the recording without running the tools'
bodies.

A `ReAct` model names its tools in the text of its answers, never as API tool calls, so the shared stub
(which asks for tools only as `tool_calls`) cannot drive one: apps/dspy_app.py (a `ReAct` with
`get_weather` and `get_time`, two questions called and one awaited, and a callback of the app's own set
with `dspy.configure`)
is recorded against `dspy_stub.DspyStub`, which answers in DSPy's chat format, then rerun with that stub
stopped, and with `--live-tools`. Its tools add a line to `tool_bodies.log` each time a body runs. DSPy
brings LiteLLM, boto3 and huggingface-hub: the app runs from a venv of its own (`venvs.framework_venv`).
"""

from __future__ import annotations

from typing import Any

import pytest
from dspy_stub import DspyStub
from framework_support import App, Reruns, Workbench, new_bench, pair_spans_with_requests, record_and_rerun

pytestmark = pytest.mark.frameworks

PINS = ("dspy==3.4.1",)
APP = App("dspy_app", (), 12, tools=6)
TOOLS = ["get_weather", "get_time"] * 3
CITIES = ["Paris", "Paris", "Oslo", "Oslo", "Rome", "Rome"]
QUESTIONS = ["What is the weather in Paris?", "Is it cold in Oslo?", "Is it warm in Rome?"]
RETURNS = ["light rain, 14 C", "14:05", "snow, -3 C", "14:05", "clear, 18 C", "09:05"]
REPRODUCED = "reproduced: the rerun matches the recording"
DIVERGED = "not reproduced: the rerun diverged from the recording"
# A ReAct whose get_time raises KeyError: ReAct shows the model the first five frames of the error's traceback.
FAILING = '''
import os
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # as apps/dspy_app.py says

import dspy


def get_weather(city: str) -> str:
    """The weather in a city today."""
    with Path("tool_bodies.log").open("a") as log:
        log.write("get_weather\\n")
    return "clear, 18 C"


def get_time(city: str) -> str:
    """The local time in a city."""
    with Path("tool_bodies.log").open("a") as log:
        log.write("get_time\\n")
    return CLOCKS[city]


CLOCKS = {"Paris": "14:05", "Oslo": "14:05"}


dspy.configure(lm=dspy.LM("openai/gpt-4o-mini", api_base=os.environ["STUB_URL"] + "/v1",
                          api_key=os.environ["STUB_KEY"], cache=False, num_retries=0))
prediction = dspy.ReAct("question -> answer", tools=[get_weather, get_time], max_iters=4)(question="Time in Rome?")
print(repr(prediction.trajectory["observation_1"]))
'''


class DspyBench(Workbench):
    """A workbench whose recordings are made against `DspyStub` rather than the shared stub."""

    def serve(self) -> Any:
        return DspyStub(api_key=self.key).start()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Reruns:
    return record_and_rerun(new_bench(tmp_path_factory, "dspy", PINS, DspyBench), APP)


# -- trace ------------------------------------------------------------------------------------------
def test_each_react_run_is_an_agent_span_over_its_llm_calls(runs: Reruns) -> None:
    agents = runs.spans("agent")
    assert [(start["name"], start["inputs"]) for start, _ in agents] == \
        [("ReAct", {"question": question}) for question in QUESTIONS]
    assert all(start["attrs"] == {"framework": "dspy", "signature": "question -> answer",
                                  "tools": ["get_weather", "get_time"], "model": "openai/gpt-4o-mini"}
               for start, _ in agents)
    assert [end["outputs"]["return"]["answer"] for _, end in agents] == runs.recording.printed_answers()
    # three ReAct steps (get_weather, get_time, finish) and the extraction of the answer, in each agent span
    runs.recording.assert_agents_hold_llm_calls(4)


def test_each_request_of_dspys_own_http_client_is_an_llm_span_with_what_it_asked_and_got(runs: Reruns) -> None:
    pairs = pair_spans_with_requests(runs.recording)  # each span's inputs are a request's body
    assert [index for _, index in pairs] == list(range(APP.requests)), "both transports, sync and async"
    for end, index in pairs:
        said = runs.recording.answers[index]
        assert (end["name"], end["model"], end["outputs"]["text"]) == ("openai.chat", "gpt-4o-mini", said["text"])
        assert end["usage"]["input_tokens"] > 0


def test_each_tool_the_model_named_in_its_text_is_one_tool_span_under_its_agent(runs: Reruns) -> None:
    tools = runs.spans("tool")
    agent_ids = [start["span_id"] for start, _ in runs.spans("agent")]
    named = [text.split("[[ ## next_tool_name ## ]]\n")[1].split("\n")[0] for text in
             (answer["text"] for answer in runs.recording.answers) if "next_tool_name" in text]
    assert [name for name in named if name != "finish"] == TOOLS, "what the stub asked for, finish aside"
    assert [start["name"] for start, _ in tools] == TOOLS, "one span per tool call, none for ReAct's own finish"
    assert [start["inputs"] for start, _ in tools] == [{"city": city} for city in CITIES]
    assert [start["parent_id"] for start, _ in tools] == [agent for agent in agent_ids for _ in range(2)]
    assert [end["outputs"] for _, end in tools] == [{"return": value} for value in RETURNS]
    assert all(start["attrs"] == {"framework": "dspy"} for start, _ in tools), "no call id on the wire to link by"
    assert runs.bodies_recorded == [f"{name} {city}" for name, city in zip(TOOLS, CITIES)]


def test_the_tool_spans_have_the_time_the_bodies_took_between_the_llm_calls_around_them(runs: Reruns) -> None:
    order = [(e["component"], e["status"]) for e in runs.recording.events if e["component"] in ("llm", "tool")]
    one_agent = [("llm", "started"), ("llm", "completed"), ("tool", "started"), ("tool", "completed")] * 2 + \
        [("llm", "started"), ("llm", "completed")] * 2
    assert order == one_agent * len(QUESTIONS)
    assert all(end["duration_ms"] > 0 for _, end in runs.spans("tool"))


def test_analyze_counts_the_tool_calls(runs: Reruns) -> None:
    assert runs.tool_counts() == {"get_weather": (3, 0), "get_time": (3, 0)}


# -- replay --rerun ---------------------------------------------------------------------------------
def test_a_rerun_with_the_stub_stopped_runs_no_tool_body_and_prints_the_same(runs: Reruns) -> None:
    runs.assert_offline_reproduced(APP.answered)


def test_the_apps_own_callbacks_run_beside_ours_when_recorded_and_in_a_rerun(runs: Reruns) -> None:
    saw = "callback saw: " + ", ".join(f"get_weather{{'city': '{city}'}}, get_time{{'city': '{city}'}}, finish{{}}"
                                       for city in ("Paris", "Oslo", "Rome"))
    assert runs.recording.run.app_lines()[-1] == saw
    assert runs.offline.app_lines()[-1] == saw


def test_live_tools_runs_the_tool_bodies_and_answers_the_llm_calls(runs: Reruns) -> None:
    runs.assert_live_reproduced(APP.requests, APP.tools)


# -- a tool that raises -----------------------------------------------------------------------------
def test_a_tools_keyerror_react_hands_the_model_is_a_handled_failed_span_with_its_own_frames(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    bench = new_bench(tmp_path_factory, "dspy", PINS, DspyBench)
    script = bench.directory / "failing.py"
    script.write_text(FAILING)
    recording = bench.record(App("failing", (), 4, tools=2), script)
    ran = bench.bodies()
    offline = bench.rerun(recording)
    after_offline = bench.bodies()
    live = bench.rerun(recording, "--live-tools")

    (_, failed), = [(start, end) for start, end in recording.spans("tool") if end["status"] == "failed"]
    error = failed["error"]
    assert (failed["name"], error["type"], error["message"], error["handled"]) == \
        ("get_time", "KeyError", "'Rome'", True)
    assert ", in get_time\n    return CLOCKS[city]" in error["stack"]
    assert recording.of_type("run_end")[0]["status"] == "completed", "ReAct went on and answered"
    observation = recording.run.app_lines()[0]
    assert "in get_time\\n    return CLOCKS[city]" in observation, "the tool's frame"
    assert observation.count("namel3ss_debug") == 1, "of our frames, only the one that raises it on"
    assert offline.verdict() == DIVERGED
    assert "agent:ReAct#1 > llm:openai.chat#3 start: inputs.messages[1].content" in offline.stdout
    assert after_offline == ran == ["get_weather", "get_time"], "no body ran in the rerun"
    assert (live.verdict(), live.returncode) == (REPRODUCED, 0)
    assert bench.bodies() == ran * 2


# -- install ----------------------------------------------------------------------------------------
def test_install_names_the_hook_points_a_dspy_without_them_lacks() -> None:
    from types import ModuleType  # noqa: PLC0415 - this test alone

    from namel3ss_debug.integrations.dspy import hook as dspy_hook  # noqa: PLC0415 - imports no framework

    old = ModuleType("dspy")
    old.settings = object()  # type: ignore[attr-defined]
    old.Tool = type("Tool", (), {"__call__": lambda self, **kwargs: None})  # type: ignore[attr-defined]
    missing = dspy_hook.install(old)
    assert missing[:4] == ["dspy.settings.get", "Tool.__call__ (with_callbacks)", "Tool.acall (with_callbacks)",
                           "ReAct"]
    assert old.Tool.__call__.__name__ == "<lambda>", "left as it was"  # type: ignore[attr-defined]


def test_the_http_hook_names_the_transports_an_lm15_without_them_lacks() -> None:
    from types import ModuleType  # noqa: PLC0415 - this test alone

    from namel3ss_debug.transport import lm15_hook  # noqa: PLC0415 - imports no client

    old = ModuleType("dspy._vendor.lm15.transports")
    old.StdlibTransport = type("StdlibTransport", (), {"stream": lambda self, request: None})  # type: ignore[attr-defined]
    assert lm15_hook.install(old) == ["dspy._vendor.lm15.transports.TransportResponse",
                                      "dspy._vendor.lm15.transports.StdlibAsyncTransport",
                                      "dspy._vendor.lm15.transports.AsyncTransportResponse"]
    assert old.StdlibTransport.stream.__name__ == "<lambda>", "left as it was"  # type: ignore[attr-defined]
