"""Agents of one name started together under `asyncio.gather` are matched by what they were asked, not by when they
started: a rerun that starts them in another order than the recording is still `reproduced` (issue 99: `agent#2`
held another question, and a rerun whose every answer was the recording's read "not reproduced"). The start order is
forced by the order the agents are handed to `gather` (asyncio starts its tasks in that order), on the raw openai
SDK against a stub model on 127.0.0.1."""

from __future__ import annotations

import asyncio
from itertools import permutations
from typing import Any, Iterator

import pytest
from support.rerunhelpers import made_rerun, record
from support.stubserver import StubServer

from namel3ss_debug import capture_http, get_tracer, trace_agent_execution
from namel3ss_debug.judging.report import build_report
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.recording.call_paths import PathTable
from namel3ss_debug.recording.calls import Recording
from namel3ss_debug.testing.capture import capture_events

openai = pytest.importorskip("openai")
pytestmark = pytest.mark.usefixtures("isolated_workspace")
QUESTIONS = ("Plan a trip to Lisbon.", "What could go wrong on a trip?", "Which hotel is near the river?",
             "Is it cold in Oslo?", "Where do we eat tonight?")


CLIENT: dict[str, Any] = {}  # the app's client, out of the agents' inputs (its repr names its address)


@trace_agent_execution(name="assistant")
async def assistant(question: str) -> str:
    answer = await CLIENT["openai"].chat.completions.create(model="gpt-4o-mini",
                                                            messages=[{"role": "user", "content": question}])
    return answer.choices[0].message.content or ""


def app(url: str, order: tuple[int, ...]) -> dict[str, str]:
    """The agents started in `order`; their answers by question, so the app says the same whatever the order."""
    async def main() -> dict[str, str]:
        CLIENT["openai"] = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="sk-test", max_retries=0)
        answers = await asyncio.gather(*(assistant(QUESTIONS[n]) for n in order))
        return {QUESTIONS[n]: answer for n, answer in zip(order, answers)}

    return asyncio.run(main())


@pytest.fixture
def stub() -> Iterator[Any]:
    capture_http()
    with StubServer(fresh=True) as server:
        yield server


def test_a_gathered_rerun_is_reproduced_under_every_start_order(stub):
    said, events = record(lambda: app(stub.url, tuple(range(5))))
    assert all(question in said[question] for question in QUESTIONS)  # each agent got its own answer
    orders = list(permutations(range(5)))[1::5]  # 24 start orders, none the recorded one
    verdicts = {}
    for order in orders:
        recording = Recording(timeline_of(events, "old.jsonl"), PathTable())
        session = made_rerun(recording)
        get_tracer().rerun = session
        try:
            with capture_events() as run:
                again = app(stub.url, order)
        finally:
            get_tracer().rerun = None
        report = build_report("old.jsonl", recording, session, 0, timeline_of(run.events, "new.jsonl"), (), (), "",
                              None)
        assert again == said
        first = report.comparison.first if report.comparison is not None else None
        verdicts[order] = report.not_reproduced and (first.what if first is not None else report.not_reproduced)
    assert len(orders) >= 20 and verdicts == dict.fromkeys(orders)
