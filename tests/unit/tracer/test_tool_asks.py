"""Which LLM call asked for a tool call, and whether a hook or the wire has recorded it: one span per call."""

from __future__ import annotations

from namel3ss_debug.tracer.asks import MAX_SAME, ToolAsks


def asked(*calls: dict, span: str = "s1") -> ToolAsks:
    asks = ToolAsks()
    asks.note(span, {"tool_calls": list(calls)}, parent_id="p1", ts="2026-11-25T00:00:00.000001Z", ns=42)
    return asks


def test_a_call_is_remembered_with_its_asker_parent_and_time() -> None:
    ask = asked({"id": "c1", "name": "get_weather", "arguments": '{"city": "Paris"}'}).asked("c1")
    assert (ask.asker, ask.parent_id, ask.ts, ask.ns, ask.name) == ("s1", "p1", "2026-11-25T00:00:00.000001Z", 42,
                                                                   "get_weather")


def test_a_hooked_call_is_not_recorded_again_from_the_wire() -> None:
    asks = asked({"id": "c1", "name": "get_weather", "arguments": "{}"})
    assert asks.asker("c1") == "s1"  # a hook's span, linked by the model's id
    assert asks.unrecorded("c1") is None


def test_a_call_claimed_by_name_and_arguments_is_not_recorded_again_from_the_wire() -> None:
    asks = asked({"id": "c1", "name": "get_weather", "arguments": '{"city": "Paris"}'})
    assert asks.claim("get_weather", {"city": "Paris"}) == ("c1", "s1")  # JSON text and object compare equal
    assert asks.unrecorded("c1") is None


def test_the_wire_records_a_call_once_however_often_the_history_repeats_it() -> None:
    asks = asked({"id": "c1", "name": "get_weather", "arguments": "{}"})
    assert asks.unrecorded("c1").call_id == "c1"
    assert asks.unrecorded("c1") is None
    assert asks.asker("c1") == "s1"  # a late hook still finds its asker


def test_calls_without_ids_are_taken_oldest_first_by_name_and_arguments() -> None:
    asks = asked({"name": "get_weather", "arguments": {"city": "Paris"}})
    asks.note("s2", {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}, parent_id="p1",
              ts="t2", ns=43)
    assert asks.unrecorded(None, "get_weather", {"city": "Paris"}).asker == "s1"
    assert asks.unrecorded(None, "get_weather", {"city": "Paris"}).asker == "s2"
    assert asks.unrecorded(None, "get_weather", {"city": "Paris"}) is None
    assert asks.unrecorded(None, "get_time", {"city": "Paris"}) is None


def test_a_result_the_run_never_saw_asked_for_is_left_alone() -> None:
    asks = ToolAsks()
    assert not asks
    assert asks.unrecorded("c9") is None and asks.unrecorded(None, "x", {}) is None


def test_many_calls_with_the_same_name_and_arguments_keep_the_newest() -> None:
    asks = ToolAsks()
    for n in range(MAX_SAME + 10):
        asks.note(f"s{n}", {"tool_calls": [{"name": "poll", "arguments": {}}]}, ts="t", ns=n)
    taken = [asks.unrecorded(None, "poll", {}) for _ in range(MAX_SAME + 1)]
    assert [ask.asker for ask in taken[:2]] == ["s10", "s11"] and taken[-1] is None


def test_odd_outputs_are_ignored() -> None:
    asks = ToolAsks()
    for outputs in (None, "x", {"tool_calls": "x"}, {"tool_calls": [None, 3, {"id": 5}, {"name": object()}]}):
        asks.note("s1", outputs, ts="t", ns=1)
    assert asks.unrecorded("5") is None


def test_the_tally_says_how_each_asked_call_was_seen() -> None:
    asks = asked({"id": "c1", "name": "a", "arguments": "{}"}, {"id": "c2", "name": "b", "arguments": "{}"},
                 {"id": "c3", "name": "c", "arguments": "{}"})
    asks.asker("c1")  # a hook's span
    asks.unrecorded("c2")  # the wire's
    asks.unrecorded("c2")  # the history sent again
    assert asks.tally() == {"asked": 3, "hooked": 1, "wire": 1, "missing": 0, "unseen": 1}
    assert [ask.call_id for ask in asks.unanswered()] == ["c3"]  # given up, once
    assert asks.unanswered() == []
    assert asks.tally() == {"asked": 3, "hooked": 1, "wire": 1, "missing": 1, "unseen": 0}
    assert ToolAsks().tally() == {}


def test_a_conversation_gives_up_only_its_own_pending_calls_oldest_first() -> None:
    asks = ToolAsks()
    asks.note("s1", {"tool_calls": [{"id": "a", "name": "f", "arguments": "{}"}]}, ns=2)
    asks.note("s2", {"tool_calls": [{"id": "b", "name": "g", "arguments": "{}"}]}, ns=1)
    asks.note("s3", {"tool_calls": [{"id": "c", "name": "h", "arguments": "{}"}]}, ns=3)
    asks.unrecorded("c")  # recorded from the wire: not given up
    given_up = asks.unanswered({"s1", "s2", "s3"})
    assert [ask.call_id for ask in given_up] == ["b", "a"]
    assert asks.unanswered({"s1", "s2"}) == []  # given up once


def test_a_call_the_run_forgot_is_not_given_up_by_its_conversation() -> None:
    asks = ToolAsks()
    asks.note("s1", {"tool_calls": [{"id": "same", "name": "f", "arguments": '{"n": 1}'}]})
    asks.note("s2", {"tool_calls": [{"id": "same", "name": "f", "arguments": '{"n": 2}'}]})  # the id reused
    for _ in range(MAX_SAME):  # the first call's name and arguments pushed out of what is kept
        asks.note("s3", {"tool_calls": [{"name": "f", "arguments": '{"n": 1}'}]})
    assert asks.unanswered({"s1"}) == []
