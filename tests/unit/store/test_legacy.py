"""The legacy namel3ss debug format read as v1 events: fields, span pairing, errors, usage, numbering.

`legacy_run()` writes lines the way the legacy `ExecutionTracer` and its hooks did: ends with ids of their
own pointing at their start, two ends for a hooked call, an `app_load_end` with no parent link.
"""

from __future__ import annotations

from typing import Any

import pytest
from support.tracehelpers import assert_tree, find, pair_spans, schema_errors

from namel3ss_debug.store.legacy import LegacyMapper, looks_legacy

T0 = 1_700_000_000.0  # 2023-11-14T22:13:20Z
EXEC = "exec_1700000000_7f3a"
APP, AGENT, LLM, LLM_END1, LLM_END2 = "ev-app", "ev-agent", "ev-llm", "ev-llm-end1", "ev-llm-end2"


def line(event_type: str, event_id: str, at: float = 0.0, **fields: Any) -> dict[str, Any]:
    """One legacy line with the writer's defaults, `at` seconds after T0."""
    base = {
        "event_type": event_type, "event_id": event_id, "timestamp": T0 + at, "parent_event_id": None,
        "execution_id": EXEC, "component": "app", "component_name": None, "inputs": {}, "outputs": {},
        "metadata": {}, "duration_ms": None, "status": "started", "error": None, "memory_usage_mb": None,
        "tokens_used": None, "cost_estimate": None,
    }
    base.update(fields)
    return base


def legacy_run() -> list[dict[str, Any]]:
    """An agent that calls an LLM (hooked: two ends) and a tool that times out, inside an app load."""
    return [
        line("app_load_start", APP, 0.0, component_name="demo", inputs={"execution_id": EXEC}),
        line("agent_execution_start", AGENT, 0.1, component="agent", component_name="planner",
             inputs={"user_input": "hi"}),
        line("llm_call_start", LLM, 0.2, component="llm", component_name="openai", parent_event_id=AGENT,
             inputs={"model": "gpt-4o", "prompt_length": 2}),
        line("llm_call_end", LLM_END1, 0.5, component="llm", component_name="openai", parent_event_id=LLM,
             status="completed", outputs={"prompt_tokens": 12, "completion_tokens": 5, "model": "gpt-4o"}),
        line("llm_call_end", LLM_END2, 0.5, component="llm", component_name="openai", parent_event_id=LLM,
             status="completed", duration_ms=300.0),
        line("memory_operation", "ev-mem", 0.6, component="agent", component_name="planner",
             parent_event_id=AGENT, inputs={"operation_type": "add"}),
        line("tool_call_start", "ev-tool", 0.7, component="tool", component_name="search", parent_event_id=AGENT),
        line("tool_call_end", "ev-tool-end", 0.9, component="tool", component_name="search",
             parent_event_id="ev-tool", status="failed", error="tool timed out", duration_ms=200.0,
             outputs={"error_type": "TimeoutError"}),
        line("agent_execution_end", "ev-agent-end", 1.0, component="agent", component_name="planner",
             parent_event_id=AGENT, status="completed", duration_ms=900.0),
        line("app_load_end", "ev-app-end", 1.5, outputs={"execution_summary": {"llm_calls": 0}}, status="completed"),
    ]


def mapped(lines: list[dict[str, Any]], mapper: LegacyMapper | None = None) -> list[dict[str, Any]]:
    """Every v1 event for `lines`, the closing ones included."""
    mapper = mapper or LegacyMapper()
    events = [event for item in lines for event in mapper.map(item)]
    return events + mapper.finish()


def one(lines: list[dict[str, Any]], event_type: str) -> dict[str, Any]:
    found = find(mapped(lines), event_type)
    assert len(found) == 1, found
    return found[0]


# ---- recognising the format ------------------------------------------------------------------------


def test_looks_legacy_accepts_a_legacy_line():
    assert looks_legacy(line("llm_call_start", "a"))


def test_looks_legacy_rejects_a_v1_event():
    assert not looks_legacy({**line("llm_call_start", "a"), "v": 1})


def test_looks_legacy_rejects_a_string_timestamp():
    assert not looks_legacy(line("llm_call_start", "a", timestamp="2023-11-14T22:13:20Z"))


# ---- the whole run ---------------------------------------------------------------------------------


def test_every_event_of_a_legacy_run_matches_the_v1_schema():
    assert schema_errors(mapped(legacy_run())) == []


def test_seq_counts_from_zero_without_gaps_across_map_and_finish():
    events = mapped(legacy_run())
    assert [event["seq"] for event in events] == list(range(len(events)))


def test_a_legacy_run_forms_one_tree_rooted_at_run_start():
    assert assert_tree(mapped(legacy_run()))["event_type"] == "run_start"


def test_every_span_of_a_legacy_run_has_exactly_one_end():
    spans = pair_spans(mapped(legacy_run()))
    assert len(spans) == 5  # run, app_load, agent, llm and tool


def test_run_start_is_synthesized_before_the_first_event():
    events = mapped(legacy_run())
    assert [events[0]["event_type"], events[1]["event_type"]] == ["run_start", "app_load_start"]


def test_run_start_is_named_after_the_loaded_app():
    assert one(legacy_run(), "run_start")["name"] == "demo"


def test_execution_id_becomes_the_run_id_of_every_event():
    assert {event["run_id"] for event in mapped(legacy_run())} == {EXEC}


def test_run_end_is_synthesized_with_the_duration_from_first_to_last_timestamp():
    run_end = one(legacy_run(), "run_end")
    assert (run_end["duration_ms"], run_end["attrs"]["synthesized"]) == (1500.0, True)


def test_run_end_fails_when_a_top_level_span_failed():
    lines = [line("tool_call_start", "t", 0.0), line("tool_call_end", "e", 1.0, parent_event_id="t",
                                                     error="boom", status="failed", duration_ms=1.0)]
    assert one(lines, "run_end")["status"] == "failed"


def test_run_end_completes_when_only_a_nested_span_failed():
    # The tool failed, but the agent that called it and the app load completed.
    assert one(legacy_run(), "run_end")["status"] == "completed"


def test_finish_without_any_line_writes_nothing():
    assert LegacyMapper().finish() == []


def test_finish_twice_writes_the_run_end_once():
    mapper = LegacyMapper()
    mapper.map(line("performance_marker", "m"))
    mapper.finish()
    assert mapper.finish() == []


def test_a_span_still_open_at_finish_is_left_open():
    events = mapped([line("tool_call_start", "t")])
    assert find(events, "tool_call_end") == []


def test_run_id_given_to_the_mapper_replaces_the_execution_id():
    events = mapped([line("performance_marker", "m")], LegacyMapper(run_id="my-run"))
    assert {event["run_id"] for event in events} == {"my-run"}


# ---- span pairing and parents ----------------------------------------------------------------------


def test_end_takes_the_span_of_the_start_its_parent_event_id_names():
    events = mapped(legacy_run())
    start, end = find(events, "tool_call_start")[0], find(events, "tool_call_end")[0]
    assert end["span_id"] == start["span_id"]


def test_end_has_the_parent_of_its_start_not_the_start_itself():
    events = mapped(legacy_run())
    start, end = find(events, "tool_call_start")[0], find(events, "tool_call_end")[0]
    assert end["parent_id"] == start["parent_id"]


def test_the_two_ends_of_a_hooked_call_become_one_end():
    assert len(find(mapped(legacy_run()), "llm_call_end")) == 1


def test_a_merged_end_has_the_result_of_the_first_and_the_duration_of_the_second():
    end = one(legacy_run(), "llm_call_end")
    assert (end["outputs"]["completion_tokens"], end["duration_ms"]) == (5, 300.0)


def test_a_merged_end_names_both_legacy_events():
    attrs = one(legacy_run(), "llm_call_end")["attrs"]
    assert (attrs["legacy_event_id"], attrs["legacy_merged_event_id"]) == (LLM_END2, LLM_END1)


def test_an_end_without_parent_link_or_duration_is_paired_by_type_and_timed_from_timestamps():
    end = one(legacy_run(), "app_load_end")
    assert (end["duration_ms"], end["attrs"]["duration_from_timestamps"]) == (1500.0, True)


def test_a_held_end_is_written_before_the_next_unrelated_event():
    lines = [line("tool_call_start", "t", 0.0), line("tool_call_end", "e", 0.25, parent_event_id="t"),
             line("performance_marker", "m", 0.5)]
    types = [event["event_type"] for event in mapped(lines)]
    assert types[2:4] == ["tool_call_end", "performance_marker"]


def test_a_second_end_for_a_closed_span_is_kept_as_an_instant_record():
    lines = [line("tool_call_start", "t"), line("tool_call_end", "e1", 1.0, parent_event_id="t", duration_ms=5.0),
             line("tool_call_end", "e2", 2.0, parent_event_id="t", duration_ms=6.0)]
    record = one(lines, "custom_legacy_end_record")
    assert (record["attrs"]["legacy_event_type"], record["attrs"]["duration_ms"]) == ("tool_call_end", 6.0)


def test_an_end_whose_start_is_missing_gets_a_span_of_its_own():
    end = one([line("tool_call_end", "e", parent_event_id="gone", duration_ms=3.0)], "tool_call_end")
    assert (end["duration_ms"], end["attrs"]["legacy_parent_event_id"]) == (3.0, "gone")


def test_parent_event_id_becomes_the_span_id_of_the_parent():
    events = mapped(legacy_run())
    agent, llm = find(events, "agent_execution_start")[0], find(events, "llm_call_start")[0]
    assert llm["parent_id"] == agent["span_id"]


def test_an_event_without_parent_hangs_under_the_run_root():
    events = mapped(legacy_run())
    assert find(events, "agent_execution_start")[0]["parent_id"] == events[0]["span_id"]


def test_an_unknown_parent_hangs_under_the_root_and_is_kept_in_attrs():
    event = one([line("performance_marker", "m", parent_event_id="elsewhere")], "performance_marker")
    assert event["attrs"]["legacy_parent_event_id"] == "elsewhere"


def test_a_uuid_event_id_is_hashed_to_a_span_id_and_kept_in_attrs():
    uuid = "0b7e6c2a-5d1f-4e8a-9c3b-2f6d8e1a4b7c"
    event = one([line("performance_marker", uuid)], "performance_marker")
    assert (len(event["span_id"]), event["attrs"]["legacy_event_id"]) == (16, uuid)


def test_the_same_event_id_gives_the_same_span_id_on_every_read():
    first = one([line("performance_marker", "m")], "performance_marker")["span_id"]
    assert one([line("performance_marker", "m")], "performance_marker")["span_id"] == first


def test_an_event_id_that_already_is_a_span_id_is_kept():
    assert one([line("performance_marker", "00000000000000aa")], "performance_marker")["span_id"] == "00000000000000aa"


# ---- fields ----------------------------------------------------------------------------------------


def test_timestamp_becomes_an_iso_utc_ts_with_microseconds():
    event = one([line("performance_marker", "m", 0.123456)], "performance_marker")
    assert event["ts"] == "2023-11-14T22:13:20.123456Z"


def test_component_name_becomes_the_name():
    assert find(mapped(legacy_run()), "agent_execution_start")[0]["name"] == "planner"


def test_an_end_without_component_name_takes_its_start_name():
    assert one(legacy_run(), "app_load_end")["name"] == "demo"


@pytest.mark.parametrize(
    ("event_type", "component"),
    [("llm_call_start", "llm"), ("tool_call_start", "tool"), ("agent_turn_start", "agent"),
     ("prompt_execution_start", "prompt"), ("chain_step_start", "chain"), ("memory_summarization", "memory"),
     ("validation_start", "validation"), ("app_load_start", "app")],
)
def test_component_follows_the_event_type(event_type, component):
    event = one([line(event_type, "x", component="custom")], event_type)
    assert event["component"] == component


def test_component_of_an_error_event_comes_from_the_source():
    event = one([line("error_occurred", "x", component="tool", error="boom")], "error_occurred")
    assert event["component"] == "tool"


def test_a_source_component_that_differs_is_kept_in_attrs():
    event = one(legacy_run(), "memory_operation")
    assert (event["component"], event["attrs"]["legacy_component"]) == ("memory", "agent")


def test_an_unknown_source_component_becomes_custom():
    event = one([line("performance_marker", "m", component="gpu")], "performance_marker")
    assert event["component"] == "custom"


def test_an_instant_event_with_the_writers_default_status_started_is_completed():
    event = one(legacy_run(), "memory_operation")
    assert (event["status"], event["attrs"]["legacy_status"]) == ("completed", "started")


def test_inputs_are_kept_and_empty_outputs_left_out():
    event = find(mapped(legacy_run()), "agent_execution_start")[0]
    assert (event["inputs"], "outputs" in event) == ({"user_input": "hi"}, False)


def test_metadata_is_kept_in_attrs():
    event = one([line("performance_marker", "m", metadata={"function": "aact"})], "performance_marker")
    assert event["attrs"]["metadata"] == {"function": "aact"}


def test_fields_the_legacy_format_did_not_have_are_kept_in_attrs_extra():
    event = one([line("performance_marker", "m", level="debug")], "performance_marker")
    assert event["attrs"]["extra"] == {"level": "debug"}


def test_an_unknown_event_type_becomes_a_custom_event_that_keeps_its_type():
    event = one([line("validation_event", "v", status="completed")], "custom_legacy_event")
    assert event["attrs"]["legacy_event_type"] == "validation_event"


def test_a_start_with_a_final_status_gets_a_zero_length_end():
    lines = [line("validation_start", "v", component="prompt", status="failed", error="bad; worse")]
    end = one(lines, "validation_end")
    assert (end["status"], end["duration_ms"], end["attrs"]["synthesized_end"]) == ("failed", 0.0, True)


def test_memory_usage_mb_becomes_memory_mb():
    event = one([line("performance_marker", "m", memory_usage_mb=81.5)], "performance_marker")
    assert event["memory_mb"] == 81.5


def test_model_is_read_from_the_llm_outputs():
    assert one(legacy_run(), "llm_call_end")["model"] == "gpt-4o"


def test_duration_ms_is_kept_on_an_end():
    assert one(legacy_run(), "tool_call_end")["duration_ms"] == 200.0


# ---- errors ----------------------------------------------------------------------------------------


def test_a_typed_error_string_is_split_into_type_and_message():
    event = one([line("error_occurred", "x", error="openai.RateLimitError: slow down")], "error_occurred")
    assert (event["error"]["type"], event["error"]["message"]) == ("openai.RateLimitError", "slow down")


def test_an_untyped_error_string_has_the_type_error():
    event = one([line("error_occurred", "x", error="something broke: badly")], "error_occurred")
    assert event["error"] == {"type": "Error", "message": "something broke: badly", "category": "unknown"}


def test_error_type_in_metadata_names_the_type():
    lines = [line("error_occurred", "x", error="missing", metadata={"error_type": "KeyError"})]
    assert one(lines, "error_occurred")["error"]["type"] == "KeyError"


def test_error_category_comes_from_categorize():
    assert one(legacy_run(), "tool_call_end")["error"]["category"] == "timeout"


def test_an_event_with_an_error_is_failed():
    event = one([line("error_occurred", "x", error="boom", status="completed")], "error_occurred")
    assert event["status"] == "failed"


def test_an_end_with_an_empty_message_but_an_error_type_is_failed():
    # The legacy tracer wrote status "completed" when str(exception) was empty.
    lines = [line("tool_call_start", "t"), line("tool_call_end", "e", 1.0, parent_event_id="t", error="",
                                                status="completed", duration_ms=1.0,
                                                outputs={"error_type": "TimeoutError"})]
    end = one(lines, "tool_call_end")
    assert (end["status"], end["error"]["type"]) == ("failed", "TimeoutError")


# ---- usage and cost --------------------------------------------------------------------------------


def test_an_integer_tokens_used_becomes_total_tokens():
    event = one([line("performance_marker", "m", tokens_used=42)], "performance_marker")
    assert event["usage"] == {"total_tokens": 42}


def test_a_dict_tokens_used_is_renamed_to_v1_usage():
    tokens = {"prompt_tokens": 10, "completion_tokens": 4}
    event = one([line("performance_marker", "m", tokens_used=tokens)], "performance_marker")
    assert event["usage"] == {"input_tokens": 10, "output_tokens": 4, "total_tokens": 14}


def test_token_counts_in_llm_outputs_fill_the_usage():
    assert one(legacy_run(), "llm_call_end")["usage"] == {"input_tokens": 12, "output_tokens": 5, "total_tokens": 17}


def test_cost_estimate_becomes_cost_usd():
    event = one([line("performance_marker", "m", cost_estimate=0.0125)], "performance_marker")
    assert event["cost_usd"] == 0.0125


# ---- invalid lines ---------------------------------------------------------------------------------


@pytest.mark.parametrize("timestamp", ["2023-11-14T22:13:20Z", None, True, float("nan"), -5.0])
def test_an_invalid_timestamp_raises_value_error(timestamp):
    with pytest.raises(ValueError, match="timestamp"):
        LegacyMapper().map(line("performance_marker", "m", timestamp=timestamp))


def test_an_invalid_line_leaves_the_numbering_unchanged():
    mapper = LegacyMapper()
    mapper.map(line("performance_marker", "a"))
    with pytest.raises(ValueError):
        mapper.map(line("performance_marker", "b", timestamp="noon"))
    assert [event["seq"] for event in mapper.map(line("performance_marker", "c"))] == [2]


@pytest.mark.parametrize(
    ("field", "value"),
    [("tokens_used", -1), ("tokens_used", "12"), ("cost_estimate", -0.5), ("duration_ms", "fast"), ("error", 3)],
)
def test_an_invalid_field_raises_value_error_naming_it(field, value):
    with pytest.raises(ValueError, match=field):
        LegacyMapper().map(line("performance_marker", "m", **{field: value}))


def test_a_line_of_another_execution_is_rejected():
    mapper = LegacyMapper()
    mapper.map(line("performance_marker", "a"))
    with pytest.raises(ValueError, match="execution_id"):
        mapper.map(line("performance_marker", "b", execution_id="exec_other"))


def test_a_line_without_execution_id_is_rejected_when_no_run_id_was_given():
    with pytest.raises(ValueError, match="execution_id"):
        LegacyMapper().map(line("performance_marker", "a", execution_id=None))
