"""The rerun inside the tracer: calls answered from a recording, matched by place or inputs."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from typing import Any

import pytest
from support.rerunhelpers import record, rerun

from namel3ss_debug import mark, span, trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.model.rerun_protocol import RerunMiss, RerunStop
from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.recording.mocks import Mock, parse_key
from namel3ss_debug.judging.compare import compare
from namel3ss_debug.rerun.errors import ReplayedError
from namel3ss_debug.tracer.decorators import MAX_RECORDED_YIELDS

pytestmark = pytest.mark.usefixtures("isolated_workspace")


class QuotaExceeded(Exception):
    pass


@dataclasses.dataclass
class Completion:
    text: str
    tokens: int


class Backend:
    """Counts the real calls, and answers differently each time, as a real model would."""

    def __init__(self) -> None:
        self.calls = 0

    def answer(self, prompt: str) -> str:
        self.calls += 1
        return f"{prompt}-{self.calls}"


def mocks(**values: Any) -> dict[str, Mock]:
    return {key: Mock(parse_key(key), value, "test") for key, value in values.items()}


def test_recorded_results_come_back_and_nothing_runs() -> None:
    backend = Backend()

    @trace_llm_call(name="ask")
    def ask(prompt: str) -> str:
        return backend.answer(prompt)

    @trace_tool_call(name="search")
    def search(query: str) -> dict[str, Any]:
        backend.calls += 1
        return {"hits": [query, "b" * 3], "bytes": b"\x00\xff"}

    def app() -> tuple[str, str, dict[str, Any]]:
        return ask("a"), ask("b"), search("q")

    first, events = record(app)
    backend.calls = 0
    again, new_events, session = rerun(events, app)
    assert again == first
    assert again[2]["bytes"] == b"\x00\xff"
    assert backend.calls == 0
    assert session.tally.counts == {"recorded": 3}
    result = compare(timeline_of(events), timeline_of(new_events))
    assert result.first is None and result.different == 0 and result.same > 0
    ends = [e for e in new_events if e["event_type"] == "llm_call_end"]
    assert [e["attrs"]["replay"] for e in ends] == ["recorded", "recorded"]
    assert [e["attrs"]["replay_of"] for e in ends] == ["llm:ask#1", "llm:ask#2"]


def test_a_codec_rebuilds_the_apps_type() -> None:
    class Decoder:
        def decode(self, value: Any) -> str:
            return value.upper()

    @trace_llm_call(name="complete", codec=Completion)
    def complete(prompt: str) -> Completion:
        return Completion(prompt * 2, 3)

    @trace_tool_call(name="shout", codec=Decoder())
    def shout(text: str) -> str:
        return text

    @trace_tool_call(name="pair", codec=tuple)
    def pair() -> tuple[int, int]:
        return (1, 2)

    first, events = record(lambda: (complete("hi"), shout("x"), pair()))
    again, _, _ = rerun(events, lambda: (complete("hi"), shout("x"), pair()))
    assert again[0] == Completion("hihi", 3)
    assert again[1] == "X"
    assert again[2] == (1, 2)


def test_a_codec_that_cannot_rebuild_stops_with_why() -> None:
    @trace_llm_call(name="complete", codec=Completion)
    def complete(prompt: str) -> Completion:
        return Completion(prompt, 1)

    _, events = record(lambda: complete("x"))
    result, _, _ = rerun(events, lambda: complete("x"), mocks=mocks(**{"llm:complete#1": {"text": "only"}}))
    assert isinstance(result, RerunMiss)
    assert "codec Completion could not rebuild the object {text}" in str(result)
    assert "tokens" in str(result)


def test_a_recorded_exception_is_raised_again_as_its_type() -> None:
    backend = Backend()

    @trace_tool_call(name="charge")
    def charge(amount: int) -> None:
        backend.calls += 1
        raise QuotaExceeded(f"quota exceeded for {amount}")

    @trace_tool_call(name="read")
    def read(key: str) -> Any:
        backend.calls += 1
        return {}[key]

    def app() -> list[BaseException]:
        caught = []
        for call in (lambda: charge(3), lambda: read("k")):
            try:
                call()
            except Exception as error:
                caught.append(error)
        return caught

    first, events = record(app)
    backend.calls = 0
    again, new_events, _ = rerun(events, app)
    assert backend.calls == 0
    assert [type(error) for error in again] == [QuotaExceeded, KeyError]
    assert [str(error) for error in again] == [str(error) for error in first]
    assert "raised again by namel3ss-debug replay --rerun" in again[0].__notes__[0]
    assert compare(timeline_of(events), timeline_of(new_events)).first is None


def test_an_exception_type_the_app_has_not_loaded_is_a_replayed_error() -> None:
    @trace_tool_call(name="fetch")
    def fetch() -> None:
        raise RuntimeError("never runs")

    _, events = record(lambda: None)
    end = {**events[0], "seq": 1, "event_type": "tool_call_start", "component": "tool", "name": "fetch",
           "span_id": "s9", "parent_id": events[0]["span_id"], "status": "started"}
    failed = {**end, "seq": 2, "event_type": "tool_call_end", "status": "failed",
              "error": {"type": "vendor_sdk.errors.RateLimited", "message": "slow down"}}
    result, new_events, _ = rerun([events[0], end, failed], fetch)
    assert isinstance(result, ReplayedError)
    assert (result.type_name, str(result)) == ("vendor_sdk.errors.RateLimited", "slow down")
    recorded = [e for e in new_events if e["event_type"] == "tool_call_end"][0]
    assert recorded["error"]["type"] == "vendor_sdk.errors.RateLimited"


def test_a_miss_stops_with_the_nearest_candidates_and_why() -> None:
    @trace_tool_call(name="search")
    def search(query: str) -> str:
        return query

    @trace_llm_call(name="ask")
    def ask(prompt: str) -> str:
        return prompt

    @trace_agent_execution(name="agent")
    def app(extra: bool) -> list[str]:
        results = [ask("p"), search("a")]
        if extra:
            try:
                results.append(search("b"))
            except Exception:  # an app's own handler does not swallow the miss
                results.append("swallowed")
        return results

    _, events = record(lambda: app(False))
    result, new_events, session = rerun(events, lambda: app(True))
    assert isinstance(result, RerunMiss)
    miss = session.tally.misses[0]
    assert miss.call == "tool:search#2" and miss.path == "agent:agent#1 > tool:search#2"
    [best] = miss.candidates  # the one recorded tool call: an LLM call or an agent is never offered
    assert best.key == "tool:search#1"
    assert "occurrence: recorded as tool:search#1 there; this call is #2 there, and the recording has no " \
           "tool:search#2" in best.reasons
    assert any(r == "inputs: query: recorded 'a', this call 'b'" for r in best.reasons)
    failed = [e for e in new_events if e["event_type"] == "tool_call_end" and e["status"] == "failed"]
    assert failed and "RerunMiss" in failed[0]["error"]["type"]


def test_on_miss_live_runs_the_new_call() -> None:
    backend = Backend()

    @trace_tool_call(name="search")
    def search(query: str) -> str:
        return backend.answer(query)

    _, events = record(lambda: [search("a")])
    backend.calls = 0
    result, _, session = rerun(events, lambda: [search("a"), search("b")], on_miss="live")
    assert result == ["a-1", "b-1"]
    assert backend.calls == 1
    assert session.tally.counts == {"recorded": 1, "live": 1}


def test_match_by_inputs_survives_reordered_calls() -> None:
    @trace_tool_call(name="search")
    def search(query: str) -> str:
        return f"result for {query}"

    _, events = record(lambda: [search("a"), search("b")])
    by_inputs, _, _ = rerun(events, lambda: [search("b"), search("a")], match="inputs")
    assert by_inputs == ["result for b", "result for a"]
    by_place, _, _ = rerun(events, lambda: [search("b"), search("a")])
    assert by_place == ["result for a", "result for b"]  # by place: the first call gets the first answer


def test_a_mock_on_the_second_llm_call_changes_what_follows() -> None:
    @trace_llm_call(name="ask")
    def ask(prompt: str) -> str:
        return f"answer to {prompt}"

    def app() -> str:
        first = ask("one")
        second = ask("two")
        return f"{first} / {second}"

    _, events = record(app)
    result, new_events, session = rerun(events, app, mocks=mocks(**{"llm:ask#2": "what if"}))
    assert result == "answer to one / what if"
    assert session.tally.mocked == ["llm:ask#2"]
    first = compare(timeline_of(events), timeline_of(new_events)).first
    assert first is not None
    assert first.old.place == first.new.place == "llm:ask#2 end"
    assert "outputs.return: recorded 'answer to two', rerun 'what if'" in first.what
    every, _, _ = rerun(events, app, mocks=mocks(llm_call_end="same"))
    assert every == "same / same"


def test_async_tasks_are_matched_whatever_order_they_run_in() -> None:
    backend = Backend()

    @trace_llm_call(name="think")
    async def think(prompt: str, delay: float) -> str:
        await asyncio.sleep(delay)
        return backend.answer(prompt)

    @trace_agent_execution(name="worker")
    async def worker(name: str, delay: float) -> list[str]:
        return [await think(f"{name}-a", delay), await think(f"{name}-b", delay)]

    async def main() -> list[list[str]]:
        return list(await asyncio.gather(worker("slow", 0.02), worker("fast", 0.0)))

    first, events = record(lambda: asyncio.run(main()))
    backend.calls = 0
    again, new_events, session = rerun(events, lambda: asyncio.run(main()))
    assert again == first and backend.calls == 0
    assert compare(timeline_of(events), timeline_of(new_events)).first is None


def test_threads_each_under_their_own_span_are_matched() -> None:
    @trace_tool_call(name="work")
    def work(item: int) -> str:
        return f"{threading.current_thread().name}:{item}"

    def job(name: str, out: dict[str, Any]) -> None:
        with span(name, "agent"):
            out[name] = [work(1), work(2)]

    def app() -> dict[str, Any]:
        out: dict[str, Any] = {}
        threads = [threading.Thread(target=job, args=(f"w{n}", out), name=f"T{n}") for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return out

    first, events = record(app)
    again, _, _ = rerun(events, app)
    assert again == first


def test_generators_yield_their_recorded_items() -> None:
    backend = Backend()

    @trace_llm_call(name="stream")
    def stream(prompt: str):
        backend.calls += 1
        yield from prompt.split()
        return "done"

    @trace_llm_call(name="astream")
    async def astream(prompt: str):
        backend.calls += 1
        for word in prompt.split():
            yield word

    async def consume() -> list[str]:
        return [word async for word in astream("c d")]

    def app() -> tuple[list[str], list[str]]:
        return list(stream("a b")), asyncio.run(consume())

    first, events = record(app)
    backend.calls = 0
    again, _, _ = rerun(events, app)
    assert again == first == (["a", "b"], ["c", "d"]) and backend.calls == 0


def test_a_call_recorded_without_its_result_is_a_miss_that_says_why() -> None:
    @trace_tool_call(name="search")
    def search(query: str) -> str:
        return query

    _, events = record(lambda: search("a"), capture_outputs=False)
    result, _, session = rerun(events, lambda: search("a"))
    assert isinstance(result, RerunMiss)
    assert "outputs were not recorded (capture_outputs was off" in session.tally.misses[0].why


def test_a_tool_whose_recorded_result_is_missing_and_runs_anyway_ran_live() -> None:
    @trace_tool_call(name="search")
    def search(query: str) -> str:
        return query

    _, events = record(lambda: search("a"), capture_outputs=False)
    result, new_events, session = rerun(events, lambda: search("a"), on_miss="live")
    assert result == "a" and session.tally.counts == {"live": 1}  # nothing recorded to judge it by
    assert [e["attrs"]["replay"] for e in new_events if e["event_type"] == "tool_call_end"] == ["live"]


@pytest.mark.parametrize(("now", "first"), [(None, None), ("changed", "tool:search#1 end: outputs.return: "
                                                                    "recorded 'a-1', rerun 'changed'")])
def test_live_tools_reran_are_judged_by_what_they_returned(now: str | None, first: str | None) -> None:
    backend, answers = Backend(), {}

    @trace_tool_call(name="search")
    def search(query: str) -> str:
        return answers.get(query) or backend.answer(query)

    _, events = record(lambda: search("a"))
    backend.calls = 0
    answers["a"] = now  # the tool's body, changed since the recording or not
    _, new_events, session = rerun(events, lambda: search("a"), live_tools=True)
    assert session.tally.counts == {"reran": 1}
    compared = compare(timeline_of(events), timeline_of(new_events))
    assert (compared.first.what if compared.first else None) == first


def test_only_replayable_calls_are_answered() -> None:
    backend = Backend()

    @trace_agent_execution(name="planner")
    def plan() -> str:
        return backend.answer("plan")

    @trace_agent_execution(name="cached", replayable=True)
    def cached() -> str:
        return backend.answer("cached")

    first, events = record(lambda: (plan(), cached()))
    backend.calls = 0
    again, _, session = rerun(events, lambda: (plan(), cached()))
    assert again == ("plan-1", "cached-2")  # the planner ran for real (its counter restarted), cached did not
    assert backend.calls == 1 and session.tally.counts == {"recorded": 1}


def test_a_codec_that_cannot_decode_is_left_out_and_the_call_gets_the_recorded_json(capsys) -> None:
    @trace_llm_call(name="x", codec=42)
    def call() -> dict[str, str]:
        return {"text": "recorded"}

    assert "codec= takes a class, a callable or an object with decode(value), not int: left out" \
        in capsys.readouterr().err
    _, events = record(call)
    again, _, _ = rerun(events, call)
    assert again == {"text": "recorded"}


def test_a_mock_of_a_generator_yields_the_items_of_its_list() -> None:
    @trace_llm_call(name="stream")
    def stream(prompt: str):
        yield from prompt.split()

    _, events = record(lambda: list(stream("a b")))
    again, new_events, _ = rerun(events, lambda: list(stream("a b")), mocks=mocks(**{"llm:stream#1": ["x", "y", "z"]}))
    assert again == ["x", "y", "z"]
    end = [e for e in new_events if e["event_type"] == "llm_call_end"][0]
    assert end["outputs"]["yielded"] == ["x", "y", "z"] and end["attrs"]["replay"] == "mocked"


def test_a_function_that_became_a_generator_is_a_miss_that_says_so() -> None:
    @trace_tool_call(name="fetch")
    def fetch_once() -> str:
        return "page"

    _, events = record(fetch_once)

    @trace_tool_call(name="fetch")
    def fetch_stream():
        yield "page"

    result, _, session = rerun(events, lambda: list(fetch_stream()))
    assert isinstance(result, RerunMiss)
    assert "it is a generator now" in session.tally.misses[0].why


def test_a_failure_of_the_rerun_itself_stops_the_app_instead_of_running_the_call() -> None:
    backend = Backend()

    @trace_tool_call(name="search")
    def search(query: str) -> str:
        return backend.answer(query)

    _, events = record(lambda: search("a"))
    backend.calls = 0
    broken = mocks(**{"tool:search#1": "x"})
    broken["tool:search#1"] = Mock(parse_key("tool:search#1"), "x", "test")
    object.__setattr__(broken["tool:search#1"], "key", None)  # a table corrupted by a bug of ours
    result, _, _ = rerun(events, lambda: search("a"), mocks=broken)
    assert isinstance(result, RerunStop) and "could not answer tool:search" in str(result)
    assert backend.calls == 0


def test_an_instant_event_is_paired_by_its_parent_type_name_and_occurrence() -> None:
    def app(attempt: int) -> None:
        with span("loop", "agent"):
            mark("retry", attempt=1)
            mark("retry", attempt=attempt)

    _, old = record(lambda: app(2))
    _, new = record(lambda: app(3))
    first = compare(timeline_of(old), timeline_of(new)).first
    assert first is not None
    assert first.old.place == first.new.place == "agent:loop#1 > performance_marker retry#2"
    assert first.what.endswith("attrs.attempt: recorded 2, rerun 3")


def test_a_recorded_result_that_was_cut_or_redacted_comes_back_as_recorded_with_a_note() -> None:
    @trace_tool_call(name="page")
    def page() -> str:
        return "x" * 5000

    @trace_tool_call(name="login")
    def login() -> dict[str, str]:
        return {"api_key": "sk-live-abcdefghijklmnopqrstuvwxyz123456"}

    _, events = record(lambda: (page(), login()), max_payload_size=1024)
    again, _, session = rerun(events, lambda: (page(), login()))
    assert len(again[0]) < 5000 and "truncated" in again[0]
    assert again[1]["api_key"].startswith("[REDACTED")
    assert session.tally.notes == [
        "tool:page#1: its recorded result was cut to max_payload_size; the app got the cut value",
        "tool:login#1: its recorded result has redacted secrets; the app got [REDACTED] in their place"]


def test_a_stream_longer_than_the_recording_kept_yields_what_was_kept_with_a_note() -> None:
    @trace_llm_call(name="stream")
    def stream():
        yield from range(MAX_RECORDED_YIELDS + 5)

    _, events = record(lambda: list(stream()))
    again, _, session = rerun(events, lambda: list(stream()))
    assert again == list(range(MAX_RECORDED_YIELDS))
    assert session.tally.notes == [f"llm:stream#1: the recording kept {MAX_RECORDED_YIELDS} of the "
                                   f"{MAX_RECORDED_YIELDS + 5} items it yielded; the app got those"]


def test_attrs_a_calls_body_set_come_back_with_its_answer_and_the_runs_compare_the_same() -> None:
    from namel3ss_debug import current_span  # noqa: PLC0415 - the body's own API

    ran: list[str] = []

    @trace_tool_call
    def search(query: str) -> list[str]:
        ran.append(query)
        current_span().set_attribute("engine", "web")  # set by the body, so on the span's end
        return ["a result"]

    def app() -> list[str]:
        return search("tides")

    _, events = record(app)
    result, new_events, _ = rerun(events, app)
    assert (result, ran) == (["a result"], ["tides"])  # the body ran once: when recorded
    end = next(e for e in new_events if e["event_type"] == "tool_call_end")
    assert end["attrs"] == {"engine": "web", "replay": "recorded", "replay_of": "tool:search#1"}
    assert compare(timeline_of(events), timeline_of(new_events)).first is None
