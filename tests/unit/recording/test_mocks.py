"""Mocks: keys, what they match, where the value goes, how a miss is explained, and how they are written."""

from __future__ import annotations

import pytest
from support.replayfactory import agent_run

from namel3ss_debug.recording.builder import timeline_of
from namel3ss_debug.replay.mock_specs import load_mock_file, parse_mock
from namel3ss_debug.recording.mocks import Mock, MockError, MockKey, MockTable, mocked_event, parse_key


@pytest.fixture
def table() -> MockTable:
    return MockTable(timeline_of(agent_run()))


def mock(key: str, value: object = "X") -> Mock:
    return Mock(parse_key(key), value, "test")


@pytest.mark.parametrize(("text", "expected"), [
    ("llm:planner#2", MockKey("llm:planner#2", "llm", "planner", 2)),
    ("tool:search", MockKey("tool:search", "tool", "search", None)),
    ("tool:my:tool#1", MockKey("tool:my:tool#1", "tool", "my:tool", 1)),
    ("llm_call_end", MockKey("llm_call_end", event_type="llm_call_end")),
])
def test_keys_name_a_call_every_call_or_an_event_type(text, expected):
    assert parse_key(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("llm:planner#0", "numbered from 1"),
    ("llm_call_start", "the end event holds"),
    ("not a key", "is not component:name"),
])
def test_a_bad_key_says_why(text, message):
    with pytest.raises(MockError, match=message):
        parse_key(text)


@pytest.mark.parametrize(("key", "seqs"), [
    ("tool:search", [8, 11, 14]),    # every call's end
    ("tool:search#2", [11]),
    ("llm_call_end", [4, 17]),
    ("memory:write", [9]),           # an instant event is its own result
    ("memory_operation", [9]),
])
def test_a_key_matches_the_events_holding_results(table, key, seqs):
    assert table.set(mock(key)) == seqs


@pytest.mark.parametrize(("key", "message"), [
    ("tool:serch#1", "no recorded call matches tool:serch#1; nearest recorded: tool:search"),
    ("tool:search#7", "tool:search was called 3 times, so there is no #7 (tool:search#1 .. tool:search#3)"),
    ("llm:writer#2", "llm:writer was called 1 time, so there is no #2 (llm:writer#1)"),
    ("validation_end", "no recorded event has type validation_end"),
])
def test_a_key_that_matches_nothing_names_the_nearest_recorded_keys(table, key, message):
    with pytest.raises(MockError) as caught:
        table.set(mock(key))
    assert caught.value.message.startswith(message)


def test_the_value_takes_the_place_of_a_decorator_s_return_value():
    event = {"outputs": {"return": {"text": "a"}, "extra": 1}, "seq": 4}
    assert mocked_event(event, {"text": "X"})["outputs"] == {"return": {"text": "X"}, "extra": 1}


def test_the_value_replaces_outputs_of_another_form_whole():
    assert mocked_event({"outputs": {"answer": "a"}}, [1, 2])["outputs"] == [1, 2]
    assert mocked_event({"seq": 1}, "X")["outputs"] == "X"


def test_a_mock_does_not_change_the_recorded_event(table):
    table.set(mock("llm:planner#1", "X"))
    event = table.timeline.event(4)
    shown = table.apply(4, event)
    assert (event["outputs"], shown["outputs"]) == ({"return": {"text": "a\nb"}}, {"return": "X"})


def test_setting_a_key_again_replaces_the_mock_and_clear_removes_it(table):
    table.set(mock("tool:search", 1))
    table.set(mock("tool:search", 2))
    assert (table.count("tool:search"), table.mocks["tool:search"].value) == (3, 2)
    assert (table.clear("tool:search"), table.key_at(8), table.first()) == (1, None, None)


def test_the_first_mocked_event_is_where_divergence_starts(table):
    table.set(mock("llm:writer"))
    table.set(mock("tool:search#2"))
    assert table.first() == 11


def test_parse_mock_reads_key_equals_json(tmp_path):
    parsed = parse_mock('llm:planner#1 = {"text": "X"}', "--mock")
    assert (parsed.key.text, parsed.value, parsed.origin) == ("llm:planner#1", {"text": "X"}, "--mock")


def test_parse_mock_reads_a_value_from_a_file(tmp_path):
    (tmp_path / "answer.json").write_text('{"text": "from a file"}')
    parsed = parse_mock("llm:planner#1=@answer.json", "--mock", base=tmp_path)
    assert parsed.value == {"text": "from a file"}


@pytest.mark.parametrize(("text", "message"), [
    ("llm:planner#1", "is not KEY=JSON or KEY=@FILE"),
    ("llm:planner#1={'text': 1}", "--mock llm:planner#1:1:2: not JSON"),
    ("llm:planner#1=@missing.json", "cannot read mock file"),
])
def test_a_bad_mock_says_what_and_where(tmp_path, text, message):
    with pytest.raises(MockError) as caught:
        parse_mock(text, "--mock", base=tmp_path)
    assert message in caught.value.message


def test_a_mock_file_is_an_object_of_keys_and_values(tmp_path):
    path = tmp_path / "mocks.json"
    path.write_text('{"llm:planner#1": {"text": "X"}, "tool:search": []}')
    assert [(m.key.text, m.value) for m in load_mock_file(path)] == [("llm:planner#1", {"text": "X"}),
                                                                     ("tool:search", [])]


def test_a_mock_file_with_bad_json_names_its_line_and_column(tmp_path):
    path = tmp_path / "mocks.json"
    path.write_text('{\n  "llm:planner#1": {"text": X}\n}')
    with pytest.raises(MockError) as caught:
        load_mock_file(path)
    assert caught.value.message.startswith(f"{path}:2:")


def test_a_mock_file_that_is_not_an_object_is_an_error(tmp_path):
    path = tmp_path / "mocks.json"
    path.write_text("[1, 2]")
    with pytest.raises(MockError, match="a mock file is a JSON object"):
        load_mock_file(path)


def test_the_mock_set_last_wins_and_clearing_it_brings_the_earlier_back(table):
    table.set(mock("llm:planner#1", "first"))
    table.set(mock("llm_call_end", "all"))
    assert (table.key_at(4), table.count("llm:planner#1")) == ("llm_call_end", 0)
    table.clear("llm_call_end")
    assert (table.key_at(4), table.count("llm:planner#1"), table.key_at(17)) == ("llm:planner#1", 1, None)


def test_a_mocked_failure_returned_the_mock_instead():
    failed = {"status": "failed", "error": {"type": "TimeoutError"}, "seq": 11}
    assert mocked_event(failed, ["x"]) == {"status": "completed", "seq": 11, "outputs": ["x"]}


def test_a_mock_file_may_start_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "mocks.json"
    path.write_bytes(b'\xef\xbb\xbf{"tool:search": []}')
    assert [(m.key.text, m.value) for m in load_mock_file(path)] == [("tool:search", [])]
