"""`write_perfetto`: a run as Chrome trace-event JSON, on each example's real trace and on runs made in code."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.growth import assert_linear, cpu_seconds
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.interop.perfetto import CLOCK_SLACK_US, ERROR_COLOUR, write_perfetto
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import resolve_sources

ROOT = Path(__file__).parents[3]
EXAMPLES = ("research_agent", "chain_app", "async_multi_agent", "openai_app")
REQUIRED = {"X": {"ph", "ts", "pid", "tid", "name", "dur"}, "i": {"ph", "ts", "pid", "tid", "name"},
            "M": {"ph", "pid", "tid", "name"}}


def export(events: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    out = io.BytesIO()
    slices = write_perfetto(events, out)
    return slices, json.loads(out.getvalue())


def slices_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in document["traceEvents"] if item["ph"] == "X"]


def track_names(document: dict[str, Any]) -> dict[int, str]:
    return {item["tid"]: item["args"]["name"] for item in document["traceEvents"] if item["name"] == "thread_name"}


def assert_nesting_as_spans(document: dict[str, Any]) -> None:
    """On every track, a slice drawn inside another (by time, as Perfetto nests them) is its span's descendant,
    and a child on its parent's track lies within it."""
    by_id = {item["args"]["span_id"]: item for item in slices_of(document)}

    def ancestors(item: dict[str, Any]) -> set[str]:
        found, parent = set(), item["args"].get("parent_id")
        while parent in by_id and parent not in found:
            found.add(parent)
            parent = by_id[parent]["args"].get("parent_id")
        return found

    tracks: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for item in slices_of(document):
        tracks.setdefault((item["pid"], item["tid"]), []).append(item)
    for items in tracks.values():
        stack: list[dict[str, Any]] = []
        for item in sorted(items, key=lambda s: (s["ts"], -s["dur"])):
            while stack and (stack[-1]["ts"] + stack[-1]["dur"] < item["ts"] or (
                    stack[-1]["ts"] + stack[-1]["dur"] == item["ts"]
                    and stack[-1]["args"]["span_id"] not in ancestors(item))):
                stack.pop()  # ended before it: Perfetto does not draw it around the item
            if stack:
                top = stack[-1]
                assert top["args"]["span_id"] in ancestors(item), (top["name"], item["name"])
                assert item["ts"] + item["dur"] <= top["ts"] + top["dur"], (top["name"], item["name"])
            stack.append(item)
    for item in slices_of(document):
        parent = by_id.get(item["args"].get("parent_id"))
        if parent is not None and parent["tid"] == item["tid"]:
            assert parent["ts"] <= item["ts"] and item["ts"] + item["dur"] <= parent["ts"] + parent["dur"]


@pytest.fixture(scope="module")
def example_traces(tmp_path_factory) -> dict[str, list[dict[str, Any]]]:
    """Each example run once under `namel3ss-debug trace -o DIR` (from the repository, whose config prices the
    fake models), read back through the store."""
    traces = {}
    for name in EXAMPLES:
        directory = tmp_path_factory.mktemp(name)
        done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "-o", str(directory),
                               str(ROOT / "examples" / f"{name}.py")],
                              check=False, cwd=ROOT, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr.decode()
        [source] = resolve_sources([str(directory)])
        traces[name] = [located.event for located in TraceReader(ReadProblems(), write_index=False).events(source)]
    return traces


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_has_one_slice_per_span_with_the_required_fields(example_traces, name):
    events = example_traces[name]
    spans = {event["span_id"] for event in events if event["event_type"].endswith("_start")
             and event["event_type"] != "segment_start"}
    slices, document = export(events)
    assert slices == len(spans) == len(slices_of(document))
    assert {item["args"]["span_id"] for item in slices_of(document)} == spans
    for item in document["traceEvents"]:
        assert REQUIRED[item["ph"]] <= item.keys(), item
        if item["ph"] == "X":
            assert item["dur"] >= 0 and item["name"] == f"{item['cat']}:{item['name'].split(':', 1)[1]}"


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_slices_nest_as_the_spans_do(example_traces, name):
    assert_nesting_as_spans(export(example_traces[name])[1])


def test_llm_slices_carry_model_tokens_and_cost_as_recorded(example_traces):
    events = example_traces["research_agent"]
    ends = {event["span_id"]: event for event in events if event["event_type"] == "llm_call_end"}
    llm = [item for item in slices_of(export(events)[1]) if item["cat"] == "llm"]
    assert [item["name"] for item in llm] == ["llm:planner", "llm:writer"]
    for item in llm:
        end = ends[item["args"]["span_id"]]
        assert item["args"]["model"] == end["model"]
        assert item["args"]["input_tokens"] == end["usage"]["input_tokens"]
        assert item["args"]["output_tokens"] == end["usage"]["output_tokens"]
        assert item["args"]["cost_usd"] == end["cost_usd"]


def test_a_failed_span_is_red_with_its_error_and_an_instant_at_the_failure(example_traces):
    document = export(example_traces["research_agent"])[1]
    [failed] = [item for item in slices_of(document) if item["args"]["status"] == "failed"]
    assert failed["name"] == "tool:search" and failed["cname"] == ERROR_COLOUR
    assert failed["args"]["error"]["type"] == "TimeoutError" and failed["args"]["error"]["category"] == "timeout"
    assert "stack" not in failed["args"]["error"]
    [marker] = [item for item in document["traceEvents"] if item["name"] == "error: TimeoutError"]
    assert (marker["ph"], marker["tid"], marker["ts"]) == ("i", failed["tid"], failed["ts"] + failed["dur"])
    others = [item for item in slices_of(document) if item is not failed]
    assert not any("cname" in item or "error" in item["args"] for item in others)


def test_each_asyncio_task_and_each_thread_has_its_own_named_track(example_traces):
    document = export(example_traces["async_multi_agent"])[1]
    names = track_names(document)
    tracks = {item["name"]: names[item["tid"]] for item in slices_of(document) if item["cat"] == "agent"}
    assert tracks == {"agent:coordinator": "MainThread / Task-1", "agent:historian": "MainThread / Task-2",
                      "agent:economist": "MainThread / Task-3", "agent:engineer": "MainThread / Task-4"}
    scorers = {names[item["tid"]] for item in slices_of(document) if item["name"] == "tool:score_draft"}
    assert scorers and all(name.startswith("scorer_") for name in scorers)  # the executor's own threads
    run = next(item for item in slices_of(document) if item["cat"] == "app")
    # the run, which names no thread, sits above its first span: its start-up, on the main thread before any task
    assert names[run["tid"]] == "MainThread"


def test_instant_events_sit_on_their_parents_track_at_their_time(example_traces):
    events = example_traces["research_agent"]
    document = export(events)[1]
    instants = [item for item in document["traceEvents"] if item["ph"] == "i" and item["cat"] != "error"]
    recorded = [event for event in events if event["event_type"] in ("memory_operation", "performance_marker")]
    assert [item["name"] for item in instants] == [f"{event['component']}:{event['name']}" for event in recorded]
    assert {item["s"] for item in instants} == {"t"}
    assert not any(item["name"].startswith("app:20") for item in document["traceEvents"])  # no segment_start


def concurrent_run() -> TraceBuilder:
    """Two spans on one thread that overlap without nesting (asyncio tasks the trace does not name)."""
    trace = TraceBuilder()
    root = trace.run_start()
    first = trace.start("llm", "a", root)
    trace.events[-1]["thread"] = "MainThread"
    trace.advance(5)
    second = trace.start("llm", "b", root)
    trace.events[-1]["thread"] = "MainThread"
    trace.end(first, 10)
    trace.end(second, 10)
    trace.run_end()
    return trace


def test_spans_overlapping_without_nesting_on_one_thread_go_to_a_second_lane():
    document = export(concurrent_run().events)[1]
    names = track_names(document)
    lanes = {item["name"]: names[item["tid"]] for item in slices_of(document)}
    assert lanes == {"app:app.py": "MainThread", "llm:a": "MainThread", "llm:b": "MainThread (2)"}
    assert_nesting_as_spans(document)


def overrunning_child(overrun_us: int) -> list[dict[str, Any]]:
    trace = TraceBuilder()
    root = trace.run_start()
    parent = trace.start("agent", "parent", root)
    child = trace.start("tool", "child", parent)
    trace.end(child, 10 + overrun_us / 1000, advance=False)
    trace.end(parent, 10)
    trace.run_end(duration_ms=1000)
    return trace.events


def test_a_child_overrunning_its_parent_by_clock_jitter_is_cut_at_the_parents_end():
    items = {item["name"]: item for item in slices_of(export(overrunning_child(40))[1])}
    parent, child = items["agent:parent"], items["tool:child"]
    assert child["tid"] == parent["tid"] and child["ts"] + child["dur"] == parent["ts"] + parent["dur"]


def test_a_child_outliving_its_parent_goes_to_another_lane_with_its_true_length():
    document = export(overrunning_child(CLOCK_SLACK_US + 5000))[1]
    items = {item["name"]: item for item in slices_of(document)}
    assert items["tool:child"]["tid"] != items["agent:parent"]["tid"]
    assert items["tool:child"]["dur"] == 10_000 + CLOCK_SLACK_US + 5000
    assert_nesting_as_spans(document)


def test_an_unclosed_span_ends_with_the_run_and_a_lone_end_is_placed_back_from_its_duration():
    trace = TraceBuilder()
    root = trace.run_start()
    trace.start("llm", "hanging", root)
    trace.advance(30)
    trace.event("tool_call_end", "tool", "orphan", "00000000000000ff", root, "completed", duration_ms=7.5)
    events = trace.events
    slices, document = export(events)
    items = {item["name"]: item for item in slices_of(document)}
    assert slices == 3
    assert items["llm:hanging"]["args"]["unclosed"] is True and items["llm:hanging"]["dur"] == 30_000
    assert items["tool:orphan"]["args"]["start_missing"] is True and items["tool:orphan"]["dur"] == 7_500
    assert items["app:app.py"]["args"]["unclosed"] is True


def test_text_from_the_trace_is_json_escaped_data():
    trace = TraceBuilder()
    root = trace.run_start()
    hostile = 'say "hi"\n</script><b>\\ \u2713 \ud800'
    trace.span("tool", hostile, 1, root, status="failed", error=error("Boom\"", hostile))
    trace.run_end()
    out = io.BytesIO()
    write_perfetto(trace.events, out)
    document = json.loads(out.getvalue())
    [item] = [item for item in slices_of(document) if item["cat"] == "tool"]
    assert item["name"] == f"tool:{hostile}" and item["args"]["error"]["message"] == hostile


def test_the_document_is_one_json_object_perfetto_reads():
    trace = TraceBuilder()
    trace.run_start()
    trace.run_end()
    out = io.BytesIO()
    write_perfetto(trace.events, out)
    document = orjson.loads(out.getvalue())
    assert set(document) == {"traceEvents", "displayTimeUnit", "otherData"}
    assert document["otherData"]["run_id"] == trace.run_id and document["otherData"]["spans"] == 1


def test_odd_process_and_thread_values_from_elsewhere_still_make_integer_ids_and_named_tracks():
    trace = TraceBuilder()
    root = trace.run_start()
    trace.events[-1]["pid"] = "not-a-pid"
    trace.start("tool", "t", root)
    trace.events[-1].update(thread=["a", 1], task=7)
    trace.run_end()
    document = export(trace.events)[1]
    assert all(isinstance(item["pid"], int) and isinstance(item["tid"], int) for item in document["traceEvents"])
    assert "['a', 1] / 7" in track_names(document).values()


def test_an_instant_carries_its_scalar_fields_briefly_not_its_whole_value():
    trace = TraceBuilder()
    root = trace.run_start()
    trace.instant("memory_operation", "memory", "write", root, inputs={"key": "k1", "value": "v" * 500,
                                                                       "nested": {"a": 1}})
    trace.run_end()
    [item] = [item for item in export(trace.events)[1]["traceEvents"] if item["name"] == "memory:write"]
    assert item["args"]["inputs"] == {"key": "k1", "value": "v" * 120 + "…"}


def outliving_chain(depth: int) -> list[dict[str, Any]]:
    """A chain `depth` spans deep, each starting 1 ms into its parent and ending 5 ms after it: no child fits
    inside its parent, so each takes a lane that is free by then (a lane of its own, or one an early span left)."""
    trace = TraceBuilder()
    parent = trace.run_start()
    ids = []
    for _ in range(depth):
        trace.advance(1)
        parent = trace.start("chain", "step", parent)
        ids.append(parent)
    for position, span in enumerate(ids):
        trace.end(span, 5 + 4 * position, advance=False)
    trace.run_end(duration_ms=10 * depth)
    return trace.events


@pytest.mark.slow
def test_a_chain_whose_children_outlive_their_parents_is_laid_out_in_linear_time():
    # every span tried every lane and walked its ancestors: 2,000 deep took 34 s, 20,000 never ended
    chains = {depth: outliving_chain(depth) for depth in (250, 1000, 2000, 4000)}
    document = export(chains[1000])[1]
    assert len(track_names(document)) > 500 and len(slices_of(document)) == 1001
    assert_nesting_as_spans(document)
    assert_linear(lambda depth: cpu_seconds(lambda: export(chains[depth]), tries=3), 250, 4000)


def test_a_child_starting_just_after_its_parents_end_is_drawn_inside_it():
    # a start is a wall clock and a duration a monotonic one: a child may seem to start 7 us after its parent ended
    trace = TraceBuilder()
    root = trace.run_start()
    parent = trace.start("agent", "parent", root)
    trace.end(parent, 10)
    trace.advance(0.007)
    child = trace.start("tool", "child", parent)
    trace.end(child, 0.003)
    trace.run_end(duration_ms=1000)
    document = export(trace.events)[1]
    items = {item["name"]: item for item in slices_of(document)}
    assert items["tool:child"]["tid"] == items["agent:parent"]["tid"]
    assert_nesting_as_spans(document)
