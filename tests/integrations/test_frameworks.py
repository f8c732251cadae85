"""Agent frameworks and HTTP clients traced with no change to the app: `namel3ss-debug trace` records
each request to an LLM API as an LLM span, `analyze` prices it, and `replay --rerun` answers the app
from the recording without the network.

Each app of `apps/` runs against the stub server (examples/llm_stub_server.py, a new nonce in every
answer), once per module; the tests hold the trace and the reruns against what the server received
and sent, and against what the app printed.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from typing import Iterator

import pytest
from framework_support import (App, Listened, Recording, Run, Workbench, labelled, list_price, listening_at,
                               pair_spans_with_requests, skip_unless_installed, tokens_sent)
from recordings import Recordings, planned_runs

pytestmark = pytest.mark.frameworks

OPENAI_RESPONSES = App("openai_responses", ("openai",), 5, wire_tools=1)
OPENAI_AGENTS = App("openai_agents_app", ("agents",), 4, tools=2)
LANGGRAPH = App("langgraph_app", ("langgraph", "langchain_openai"), 3)
PYDANTIC_AI = App("pydantic_ai_app", ("pydantic_ai", "openai", "anthropic"), 8, tools=4)
GATHER = App("gather_app", ("openai",), 6)
PYDANTIC_AI_GATHER = App("pydantic_ai_gather", ("pydantic_ai", "openai"), 6)
# Its tools name the LLM call that asked for them by span id, which follows the order spans start in: the
# rerun, answered at once, starts them in another order than the recording did, and is still a reproduction.
PYDANTIC_AI_GATHER_TOOLS = App("pydantic_ai_gather_tools", ("pydantic_ai", "openai"), 9, tools=6)
GENAI = App("genai_app", ("google.genai",), 4, wire_tools=1)
REQUESTS = App("requests_app", ("requests",), 3)
AIOHTTP = App("aiohttp_app", ("aiohttp",), 3)
URLLIB = App("urllib_app", (), 2)

RECORDED_APPS = [OPENAI_RESPONSES, OPENAI_AGENTS, LANGGRAPH, PYDANTIC_AI, GATHER, PYDANTIC_AI_GATHER,
                 PYDANTIC_AI_GATHER_TOOLS, GENAI, REQUESTS, AIOHTTP]
QUESTIONS = {"planner": "Plan a trip to Lisbon.", "critic": "What could go wrong on a trip?",
             "booker": "Which hotel is near the river?"}
REPRODUCED = "reproduced: the rerun matches the recording"
NEW_CALL = '''
def ask_again() -> None:
    client = OpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)
    again = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Say goodbye."}])
    print(f"answer: {again.choices[0].message.content}")
'''
# Two pydantic-ai agents under asyncio.gather. The planner's first call is slow on the stub (2 s) and
# the critic starts after 0.5 s, so the recording holds the critic's two calls before the planner's
# second; in a rerun, where answers come at once, the planner's two calls come first.
TIMED_GATHER = '''
import asyncio
import os

from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

QUESTIONS = {"planner": "Plan a trip to Lisbon.", "critic": "What could go wrong on a trip?"}


async def ask(agent, question, model, wait):
    await asyncio.sleep(wait)
    first = await agent.run(question, model=model)
    second = await agent.run(f"Say more about: {first.output}", message_history=first.all_messages())
    return second.output


async def main():
    provider = OpenAIProvider(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"])
    model, slow = OpenAIChatModel("gpt-4o-mini", provider=provider), OpenAIChatModel("slow", provider=provider)
    agents = {name: Agent(model, instructions=f"You are the {name}.", name=name) for name in QUESTIONS}
    answers = await asyncio.gather(ask(agents["planner"], QUESTIONS["planner"], slow, 0),
                                   ask(agents["critic"], QUESTIONS["critic"], model, 0.5))
    for name, answer in zip(QUESTIONS, answers):
        print(f"agent {name}: {answer}")


asyncio.run(main())
'''


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Workbench:
    return Workbench(tmp_path_factory.mktemp("frameworks"), f"sk-test-{secrets.token_hex(16)}")


@pytest.fixture(scope="module")
def recordings(bench: Workbench, request: pytest.FixtureRequest) -> Iterator[Recordings]:
    """The apps' runs, those the selected tests ask for started ahead."""
    recordings = Recordings(bench)
    recordings.ahead(planned_runs(request.session.items, request.module))
    yield recordings
    recordings.close()


@pytest.fixture(params=RECORDED_APPS, ids=lambda app: app.stem)
def recorded(request: pytest.FixtureRequest, recordings: Recordings) -> Recording:
    return recordings.recording(request.param)


@pytest.fixture
def offline_rerun(recorded: Recording, recordings: Recordings) -> Run:
    """The app rerun with its server stopped."""
    return recordings.offline_rerun(recorded.app)


@pytest.fixture
def listening_rerun(recorded: Recording, recordings: Recordings) -> Listened:
    """The app rerun (`--format json`) with a fresh stub server listening at the recorded address."""
    return recordings.listening_rerun(recorded.app)


@pytest.fixture(scope="module")
def edited(bench: Workbench) -> Recording:
    """openai_responses.py recorded from a copy, then changed to make one more call than it recorded."""
    skip_unless_installed(OPENAI_RESPONSES.stem, *OPENAI_RESPONSES.modules)
    script = bench.directory / OPENAI_RESPONSES.source.name
    shutil.copyfile(OPENAI_RESPONSES.source, script)
    recording = bench.record(OPENAI_RESPONSES, script)
    main_ends = "\n\n\nif __name__"
    script.write_text(script.read_text().replace(main_ends, "\n    ask_again()\n" + NEW_CALL + main_ends))
    return recording


# -- trace ------------------------------------------------------------------------------------------
def test_each_request_the_stub_received_is_one_llm_span(recorded: Recording) -> None:
    assert len(recorded.hits) == recorded.app.requests
    assert len(recorded.of_type("llm_call_end")) == len(recorded.hits)
    assert recorded.of_type("http_request_end") == []


def test_each_llm_span_holds_the_tokens_and_text_the_stub_sent(recorded: Recording) -> None:
    pairs = pair_spans_with_requests(recorded)
    assert len(pairs) == len(recorded.hits)
    for end, index in pairs:
        answer, usage = recorded.answers[index], end.get("usage")
        tokens = (usage["input_tokens"], usage["output_tokens"]) if usage else None
        assert tokens == tokens_sent(recorded, index)
        if answer["text"] is not None:
            assert answer["text"] in end["outputs"]["text"]
        if answer["tool_call"] is not None:
            assert [call["name"] for call in end["outputs"]["tool_calls"]] == [answer["tool_call"]["name"]]


def test_trace_warns_of_llm_calls_made_with_urllib_which_it_does_not_record(recordings: Recordings) -> None:
    recording = recordings.recording(URLLIB)
    assert (len(recording.hits), recording.of_type("llm_call_end")) == (URLLIB.requests, [])
    assert f"warning: the app talked to an LLM API that was not recorded " \
           f"(POST 127.0.0.1:{recording.port}/v1/chat/completions)" in recording.run.stderr


def test_analyze_and_diagnose_count_the_llm_requests_sent_with_urllib_unrecorded(recordings: Recordings,
                                                                                 bench: Workbench) -> None:
    recording = recordings.recording(URLLIB)
    report = bench.analyze(recording)
    integrity = report["integrity"]
    assert (integrity["ok"], integrity["unrecorded_llm_requests"], report["health"]["verdict"]) == \
        (False, URLLIB.requests, "degraded")
    assert [line for line in integrity["problems"] if "send them through a client namel3ss-debug records" in line]
    run = bench.cli(recording.url, "diagnose", str(recording.trace), "--format", "json")
    findings = [finding for finding in json.loads(run.stdout)["findings"] if finding["kind"] == "unrecorded_llm_calls"]
    assert [(finding["severity"], finding["figures"]["requests"]) for finding in findings] == \
        [("info", URLLIB.requests)]


def test_a_recorded_app_has_no_unrecorded_llm_request(recorded: Recording, bench: Workbench) -> None:
    integrity = bench.analyze(recorded)["integrity"]
    assert integrity["unrecorded_llm_requests"] == 0  # requests sends through http.client too: recorded, not counted


# -- analyze ----------------------------------------------------------------------------------------
def test_analyze_prices_the_run_at_the_list_price_of_the_stubs_tokens(recorded: Recording,
                                                                      bench: Workbench) -> None:
    llm = bench.analyze(recorded)["llm"]
    # a stream the stub sent without usage (no include_usage asked for) is of unknown cost: unpriced, not $0
    streamed = sum(tokens_sent(recorded, index) is None for index in range(len(recorded.answers)))
    assert (llm["calls"], llm["unpriced_calls"], llm["no_usage_calls"]) == (len(recorded.hits), streamed, streamed)
    assert llm["cost_usd"] == pytest.approx(list_price(recorded), rel=1e-6)
    assert llm["cost_usd"] > 0


# -- replay --rerun ---------------------------------------------------------------------------------
def test_rerun_with_the_server_stopped_prints_the_recorded_answers(recorded: Recording, offline_rerun: Run) -> None:
    recorded_lines = recorded.run.app_lines()
    assert any("[nonce " in line for line in recorded_lines), "the answers carry the stub's nonces"
    assert offline_rerun.app_lines() == recorded_lines
    assert (offline_rerun.verdict(), offline_rerun.returncode) == (REPRODUCED, 0)


def test_rerun_sends_nothing_to_a_server_listening_at_the_recorded_address(recorded: Recording,
                                                                          listening_rerun: Listened) -> None:
    rerun = listening_rerun.run
    assert listening_rerun.hits == []
    report = rerun.report()
    assert report["counts"] == {"recorded": recorded.app.answered, "mocked": 0, "replaced": 0, "forked": 0,
                                "reran": recorded.app.wire_tools, "live": 0, "missed": 0}
    assert (report["reproduced"], rerun.returncode) == (True, 0)
    assert rerun.app_lines() == recorded.run.app_lines()


@pytest.mark.parametrize("recorded", [GATHER, PYDANTIC_AI_GATHER, PYDANTIC_AI_GATHER_TOOLS], ids=lambda app: app.stem,
                         indirect=True)
def test_rerun_gives_each_gathered_agent_its_own_recorded_answers(recorded: Recording, offline_rerun: Run) -> None:
    before = labelled(recorded.run.app_lines(), "agent ")
    after = labelled(offline_rerun.app_lines(), "agent ")
    assert set(before) == set(QUESTIONS)
    assert all(QUESTIONS[name] in answer for name, answer in before.items()), "each agent's own conversation"
    assert after == before


@pytest.mark.parametrize(("recorded", "key"), [(OPENAI_RESPONSES, "llm:openai.chat#1"),
                                               (PYDANTIC_AI, "llm:anthropic.messages#2"),
                                               (GENAI, "llm:gemini.generate_content#2")],
                         ids=["openai-chat", "anthropic-streamed", "gemini-streamed"], indirect=["recorded"])
def test_a_mocked_call_changes_the_answer_the_app_prints(recorded: Recording, key: str, bench: Workbench) -> None:
    name, occurrence = re.fullmatch(r"llm:(.+)#(\d+)", key).groups()  # type: ignore[union-attr]
    ends = [end for start, end in recorded.spans("llm") if end["name"] == name]
    recorded_text = ends[int(occurrence) - 1]["outputs"]["text"]
    expected = [line.replace(recorded_text, "mocked text") for line in recorded.run.app_lines()]
    assert any(line.endswith(": mocked text") for line in expected), "the app printed the mocked call's text"

    rerun = bench.rerun(recorded, "--mock", f'{key}="mocked text"', "--format", "json")
    printed = rerun.app_lines()
    assert len(printed) == len(expected)
    changed = [(want, got) for want, got in zip(expected, printed) if want != got]
    assert all("usage" in want for want, _ in changed), f"only the mocked call's usage may differ: {changed}"
    assert rerun.report()["counts"] == {"recorded": recorded.app.answered - 1, "mocked": 1, "replaced": 0, "forked": 0,
                                        "reran": recorded.app.wire_tools, "live": 0, "missed": 0}


def test_a_call_the_recording_lacks_stops_the_rerun_naming_the_nearest(edited: Recording,
                                                                      bench: Workbench) -> None:
    rerun = bench.rerun(edited)
    assert (rerun.verdict(), rerun.returncode) == ("not reproduced: 1 call(s) had no recorded answer", 1)
    assert "'Say goodbye.'" in rerun.stdout
    assert re.search(r"nearest 1 +llm:openai\.chat#1 ", rerun.stdout)


def test_a_call_that_went_live_is_not_a_reproduction(edited: Recording, bench: Workbench) -> None:
    server = listening_at(edited, bench.key)
    try:
        rerun = bench.rerun(edited, "--on-miss", "live")
    finally:
        server.stop()
    assert server.requests == [{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say goodbye."}]}]
    assert rerun.app_lines() == [*edited.run.app_lines(), f"answer: {server.answers[0]['text']}"]
    assert rerun.verdict() == "not reproduced: 1 call(s) ran live instead of being answered from the recording"
    assert rerun.returncode == 1


def test_a_mock_in_one_gathered_pydantic_ai_agent_leaves_the_other_agents_answer(bench: Workbench) -> None:
    skip_unless_installed("timed_gather", "pydantic_ai")
    script = bench.directory / "timed_gather.py"
    script.write_text(TIMED_GATHER)
    recording = bench.record(App("timed_gather", ("pydantic_ai",), 4), script)
    starts = [start for start, _ in recording.spans("llm")]
    planner_first = 1 + next(i for i, start in enumerate(starts)
                             if start["inputs"]["messages"][-1]["content"] == QUESTIONS["planner"])

    # The planner's second request now carries the mocked text: the rerun parted, so it runs live (never its
    # recorded answer), while the critic's requests ask what they asked and are answered from the recording.
    server = listening_at(recording, bench.key)
    try:
        rerun = bench.rerun(recording, "--mock", f'llm:openai.chat#{planner_first}="mocked text"', "--format",
                            "json", "--on-miss", "live")
    finally:
        server.stop()
    if rerun.report()["counts"]["mocked"] != 1:  # not the failure the mark expects
        pytest.fail(f"the mock answered no call:\n{rerun.stdout}")
    before, after = labelled(recording.run.app_lines(), "agent "), labelled(rerun.app_lines(), "agent ")
    assert after["critic"] == before["critic"]
    assert [body["messages"][-1]["content"] for body in server.requests] == ["Say more about: mocked text"]
    assert after["planner"] == server.answers[0]["text"]
    assert rerun.report()["counts"]["live"] == 1 and rerun.report()["counts"]["recorded"] == 2
