"""A fork at a decorated call (`@trace_llm_call`, `@trace_tool_call`): its answer goes through the call's codec
as a mock's does; a re-sample runs its body; later calls get recorded answers only when they ask the same."""

from __future__ import annotations

from support.rerunhelpers import record, rerun

from namel3ss_debug import trace_llm_call, trace_tool_call
from namel3ss_debug.model.rerun_protocol import RerunMiss
from namel3ss_debug.rerun.fork import ForkPlan
from namel3ss_debug.testing import FakeCompletion, FakeLLM

WEATHER = {"Lisbon": "sunny, 24 C", "Oslo": "rain, 9 C"}
REAL: list[str] = []


def trip(llm: FakeLLM):
    @trace_llm_call(name="chat", codec=FakeCompletion)
    def chat(prompt: str):
        REAL.append(prompt)
        return llm.complete(prompt)

    @trace_tool_call
    def weather(city: str) -> str:
        REAL.append(city)
        return WEATHER[city]

    def app() -> str:
        city = chat("Which city?").text
        return chat(f"Pack for {city}: {weather(city)}").text

    return app


def recorded() -> list[dict]:
    REAL.clear()
    _, events = record(trip(FakeLLM({"Which city": "Lisbon", "Pack": "Sunscreen."}, model="fake")))
    REAL.clear()
    return events


def test_an_answer_goes_through_the_codec_and_a_later_call_asking_otherwise_runs_live():
    later = FakeLLM({"Which city": "Lisbon", "Pack": "A raincoat."}, model="fake")
    plan = ForkPlan("llm:chat#1", "answer", {"text": "Oslo", "model": "fake"})
    said, events, session = rerun(recorded(), trip(later), fork=plan, live_tools=True)
    assert said == "A raincoat."  # the second chat asked for Oslo: not the recorded "Sunscreen."
    assert REAL == ["Oslo", "Pack for Oslo: rain, 9 C"]  # the fork's call did not run; the new tool and chat did
    assert session.parted == "llm:chat#1" and session.parted_how == "forked"
    assert [e["attrs"]["replay"] for e in events if e["event_type"] == "llm_call_end"] == ["forked", "live"]


def test_offline_stops_at_the_first_call_the_recording_does_not_have():
    plan = ForkPlan("llm:chat#1", "answer", {"text": "Oslo", "model": "fake"}, offline=True)
    said, _, session = rerun(recorded(), trip(FakeLLM({}, model="fake")), fork=plan, live_tools=True)
    assert isinstance(said, RerunMiss)  # the tool ran (--live-tools); the chat after it asks otherwise: it stops
    assert REAL == ["Oslo"]
    assert session.tally.misses[0].call == "llm:chat#2"


def test_a_resample_runs_the_call_again_and_the_rest_comes_from_the_recording():
    plan = ForkPlan("llm:chat#2", "resample")
    said, _, session = rerun(recorded(), trip(FakeLLM({"Pack": "Sunscreen, and a hat."}, model="fake")), fork=plan)
    assert said == "Sunscreen, and a hat."
    assert REAL == ["Pack for Lisbon: sunny, 24 C"]  # only the fork's call ran: the tool came from the recording
    assert session.tally.counts["recorded"] == 2 and session.tally.counts["live"] == 1
