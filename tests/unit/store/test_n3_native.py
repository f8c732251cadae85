"""The n3 runtime's step records read as v1 events: synthesized spans, timestamps of three kinds, errors.

`record()` writes a line the way `namel3ss.observability.trace_runs` does: `timestamp` is the step's
position (1, 2, ...), `input`/`output` are `{}` and `duration_ms` 0.0 unless the step had them.
"""

from __future__ import annotations

from typing import Any

import pytest
from support.tracehelpers import assert_tree, find, pair_spans, schema_errors

from namel3ss_debug.store.n3_native import N3StepMapper, looks_n3_step

RUN = "answer-000003"
T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z


def record(index: int, step_name: str = "statement_let", **fields: Any) -> dict[str, Any]:
    """The runtime's record of step `index` of flow `answer`."""
    base = {
        "column": 3, "duration_ms": 0.0, "flow_name": "answer", "input": {}, "line": 4 + index,
        "memory_used": 57, "output": {}, "step_id": f"step:{index:04d}", "step_name": step_name,
        "timestamp": index,
    }
    base.update(fields)
    return base


def n3_run() -> list[dict[str, Any]]:
    return [record(1, "flow_start"), record(2, "ai_call", input={"q": "hi"}, output={"text": "yo"}, duration_ms=12.5),
            record(3, "flow_end")]


def mapped(records: list[dict[str, Any]], mapper: N3StepMapper | None = None) -> list[dict[str, Any]]:
    mapper = mapper or N3StepMapper(RUN)
    events = [event for item in records for event in mapper.map(item)]
    return events + mapper.finish()


def one(records: list[dict[str, Any]], event_type: str, name: str | None = None) -> dict[str, Any]:
    found = find(mapped(records), event_type, name)
    assert len(found) == 1, found
    return found[0]


def timed(seconds: list[float], durations: list[float]) -> list[dict[str, Any]]:
    """Records carrying wall-clock times instead of step numbers."""
    return [record(i + 1, timestamp=T0 + at, duration_ms=took) for i, (at, took) in enumerate(zip(seconds, durations))]


# ---- recognising the format ------------------------------------------------------------------------


def test_looks_n3_step_accepts_a_runtime_record():
    assert looks_n3_step(record(1))


def test_looks_n3_step_rejects_a_v1_event():
    assert not looks_n3_step({**record(1), "v": 1})


def test_looks_n3_step_rejects_a_legacy_line():
    assert not looks_n3_step({"event_type": "llm_call_start", "timestamp": T0, "event_id": "a"})


# ---- the whole run ---------------------------------------------------------------------------------


def test_every_event_of_an_n3_run_matches_the_v1_schema():
    assert schema_errors(mapped(n3_run())) == []


def test_every_event_of_a_failed_timed_n3_run_matches_the_v1_schema():
    records = timed([0.0, 0.5], [10.0, 0.0])
    records[1]["step_name"] = "error"
    assert schema_errors(mapped(records)) == []


def test_seq_counts_from_zero_without_gaps_across_map_and_finish():
    events = mapped(n3_run())
    assert [event["seq"] for event in events] == list(range(len(events)))


def test_an_n3_run_forms_one_tree_with_every_span_closed():
    events = mapped(n3_run())
    assert (assert_tree(events)["event_type"], len(pair_spans(events))) == ("run_start", 5)


def test_the_run_opens_with_run_start_and_the_flows_chain():
    events = N3StepMapper(RUN).map(record(1))
    assert [(e["event_type"], e["component"], e["name"]) for e in events[:2]] == [
        ("run_start", "app", "answer"), ("chain_execution_start", "chain", "answer")]


def test_every_event_carries_the_run_id_given_to_the_mapper():
    assert {event["run_id"] for event in mapped(n3_run())} == {RUN}


def test_finish_closes_the_chain_then_the_run():
    assert [event["event_type"] for event in mapped(n3_run())[-2:]] == ["chain_execution_end", "run_end"]


def test_run_end_says_it_was_synthesized_from_step_numbers():
    attrs = one(n3_run(), "run_end")["attrs"]
    assert (attrs["synthesized"], attrs["timestamps"]) == (True, "step_numbers")


def test_finish_without_any_record_writes_nothing():
    assert N3StepMapper(RUN).finish() == []


def test_finish_twice_closes_the_run_once():
    mapper = N3StepMapper(RUN)
    mapper.map(record(1))
    mapper.finish()
    assert mapper.finish() == []


# ---- steps -----------------------------------------------------------------------------------------


def test_each_step_becomes_a_start_and_an_end_sharing_a_span():
    events = mapped(n3_run())
    start, end = find(events, "chain_step_start", "ai_call")[0], find(events, "chain_step_end", "ai_call")[0]
    assert start["span_id"] == end["span_id"]


def test_steps_hang_under_the_flows_chain():
    events = mapped(n3_run())
    chain = find(events, "chain_execution_start")[0]
    assert {e["parent_id"] for e in events if e["event_type"].startswith("chain_step")} == {chain["span_id"]}


def test_a_step_is_a_chain_component_named_after_its_step_name():
    start = one(n3_run(), "chain_step_start", "flow_end")
    assert start["component"] == "chain"


def test_step_attrs_keep_position_id_line_column_and_memory_used():
    attrs = one(n3_run(), "chain_step_start", "ai_call")["attrs"]
    assert attrs == {"step": 2, "step_id": "step:0002", "line": 6, "column": 3, "memory_used": 57, "timestamp": 2}


def test_step_input_becomes_inputs_of_the_start():
    assert one(n3_run(), "chain_step_start", "ai_call")["inputs"] == {"q": "hi"}


def test_step_output_becomes_outputs_of_the_end():
    assert one(n3_run(), "chain_step_end", "ai_call")["outputs"] == {"text": "yo"}


def test_empty_input_and_output_are_left_out():
    events = [one(n3_run(), "chain_step_start", "flow_start"), one(n3_run(), "chain_step_end", "flow_start")]
    assert ("inputs" in events[0], "outputs" in events[1]) == (False, False)


def test_step_duration_is_the_ends_duration_ms():
    assert one(n3_run(), "chain_step_end", "ai_call")["duration_ms"] == 12.5


def test_unknown_keys_are_kept_in_attrs_extra():
    start = one([record(1, cache="hit")], "chain_step_start")
    assert start["attrs"]["extra"] == {"cache": "hit"}


def test_an_error_step_fails_its_end():
    end = one([record(1, "error")], "chain_step_end")
    assert (end["status"], end["error"]["type"], end["error"]["category"]) == ("failed", "Error", "unknown")


def test_an_error_step_fails_the_chain_and_the_run():
    events = mapped([record(1), record(2, "error")])
    assert [e["status"] for e in events[-2:]] == ["failed", "failed"]


def test_a_run_without_error_step_completes():
    assert one(n3_run(), "run_end")["status"] == "completed"


# ---- timestamps ------------------------------------------------------------------------------------


def test_step_numbers_give_every_event_the_clock_base():
    events = mapped(n3_run(), N3StepMapper(RUN, clock_base=T0))
    assert {event["ts"] for event in events} == {"2023-11-14T22:13:20.000000Z"}


def test_step_numbers_without_clock_base_give_the_unix_epoch():
    assert one(n3_run(), "run_start")["ts"] == "1970-01-01T00:00:00.000000Z"


def test_with_step_numbers_the_run_lasts_the_sum_of_its_steps():
    records = [record(1, duration_ms=2.0), record(2, duration_ms=3.5)]
    assert one(records, "run_end")["duration_ms"] == 5.5


def test_a_float_timestamp_is_read_as_unix_seconds():
    start = one(timed([0.25], [0.0]), "chain_step_start")
    assert start["ts"] == "2023-11-14T22:13:20.250000Z"


def test_an_iso_timestamp_with_z_is_read_as_utc():
    start = one([record(1, timestamp="2026-11-22T09:04:28.423797Z")], "chain_step_start")
    assert start["ts"] == "2026-11-22T09:04:28.423797Z"


def test_an_iso_timestamp_with_an_offset_is_converted_to_utc():
    start = one([record(1, timestamp="2026-11-22T10:04:28.5+01:00")], "chain_step_start")
    assert start["ts"] == "2026-11-22T09:04:28.500000Z"


def test_an_iso_timestamp_without_offset_is_read_as_utc():
    start = one([record(1, timestamp="2026-11-22T09:04:28")], "chain_step_start")
    assert start["ts"] == "2026-11-22T09:04:28.000000Z"


def test_with_times_a_step_ends_its_duration_after_it_started():
    end = one(timed([0.0], [250.0]), "chain_step_end")
    assert end["ts"] == "2023-11-14T22:13:20.250000Z"


def test_with_times_the_run_lasts_from_first_to_last_step_plus_the_last_duration():
    assert one(timed([0.0, 1.0, 2.0], [10.0, 10.0, 500.0]), "run_end")["duration_ms"] == 2500.0


def test_with_times_the_run_ends_when_its_last_step_ends():
    assert one(timed([0.0, 2.0], [10.0, 500.0]), "run_end")["ts"] == "2023-11-14T22:13:22.500000Z"


# ---- invalid records -------------------------------------------------------------------------------


@pytest.mark.parametrize("timestamp", ["yesterday", None, True, float("inf"), [1]])
def test_an_invalid_timestamp_raises_value_error(timestamp):
    with pytest.raises(ValueError, match="timestamp"):
        N3StepMapper(RUN).map(record(1, timestamp=timestamp))


def test_mixing_step_numbers_and_times_raises_value_error():
    mapper = N3StepMapper(RUN)
    mapper.map(record(1))
    with pytest.raises(ValueError, match="timestamp"):
        mapper.map(record(2, timestamp=T0))


def test_a_record_of_another_flow_raises_value_error():
    mapper = N3StepMapper(RUN)
    mapper.map(record(1))
    with pytest.raises(ValueError, match="flow_name"):
        mapper.map(record(2, flow_name="other"))


@pytest.mark.parametrize(("field", "value"), [("duration_ms", -1.0), ("duration_ms", "slow"), ("step_name", 7)])
def test_an_invalid_field_raises_value_error_naming_it(field, value):
    with pytest.raises(ValueError, match=field):
        N3StepMapper(RUN).map(record(1, **{field: value}))


def test_an_invalid_record_leaves_the_numbering_unchanged():
    mapper = N3StepMapper(RUN)
    mapper.map(record(1))
    with pytest.raises(ValueError):
        mapper.map(record(2, timestamp="noon"))
    assert [event["seq"] for event in mapper.map(record(2))] == [4, 5]
