"""CaptureFilter: components, event types, minimum duration and sampling, keeping the span tree whole."""

from __future__ import annotations

from typing import Any, Iterable

from namel3ss_debug.model.events import span_prefix
from namel3ss_debug.tracer.filter import CaptureFilter

ROOT = "root"
Event = dict[str, Any]


def start(span: str, parent: str = ROOT, component: str = "tool") -> Event:
    return {"event_type": span_prefix(component) + "_start", "component": component, "name": span,
            "span_id": span, "parent_id": parent, "status": "started"}


def end(span: str, parent: str = ROOT, component: str = "tool", duration_ms: float = 100.0,
        status: str = "completed") -> Event:
    return {"event_type": span_prefix(component) + "_end", "component": component, "name": span,
            "span_id": span, "parent_id": parent, "status": status, "duration_ms": duration_ms}


def instant(span: str, parent: str, event_type: str = "memory_operation", component: str = "memory") -> Event:
    return {"event_type": event_type, "component": component, "name": span, "span_id": span,
            "parent_id": parent, "status": "completed"}


def structural(event_type: str, span: str, parent: str | None = ROOT) -> Event:
    return {"event_type": event_type, "component": "app", "name": event_type, "span_id": span,
            "parent_id": parent, "status": "completed"}


def run(event_filter: CaptureFilter, events: Iterable[Event]) -> list[Event]:
    out: list[Event] = []
    for event in events:
        out.extend(event_filter(event))
    return out


def ids(events: list[Event]) -> list[tuple[str, str]]:
    return [(e["span_id"], e["event_type"].rsplit("_", 1)[-1]) for e in events]


def parents(events: list[Event]) -> dict[str, str | None]:
    return {e["span_id"]: e["parent_id"] for e in events}


def nested(outer: str, middle: str, inner: str) -> list[Event]:
    """agent `outer` > tool `middle` > llm `inner`."""
    return [start(outer, component="agent"), start(middle, outer, "tool"), start(inner, middle, "llm"),
            end(inner, middle, "llm"), end(middle, outer, "tool"), end(outer, component="agent")]


def test_filter_with_no_rules_is_inactive():
    assert not CaptureFilter(root_id=ROOT).is_active


def test_filter_with_no_rules_passes_events_through():
    events = nested("a", "t", "l")
    assert run(CaptureFilter(root_id=ROOT), [dict(e) for e in events]) == events


# ---------------------------------------------------------------- components and event types


def test_component_filter_drops_the_spans_of_other_components():
    out = run(CaptureFilter(root_id=ROOT, components=["llm"]), nested("a", "t", "l"))
    assert ids(out) == [("l", "start"), ("l", "end")]


def test_dropped_span_children_are_reparented_to_the_nearest_kept_ancestor():
    out = run(CaptureFilter(root_id=ROOT, components=["agent", "llm"]), nested("a", "t", "l"))
    assert parents(out) == {"a": ROOT, "l": "a"}


def test_children_of_dropped_top_level_span_are_reparented_to_the_root():
    out = run(CaptureFilter(root_id=ROOT, components=["llm"]), nested("a", "t", "l"))
    assert {e["parent_id"] for e in out} == {ROOT}


def test_instant_event_under_a_dropped_span_is_reparented():
    events = [start("a", component="agent"), start("t", "a"), instant("m", "t"), end("t", "a"),
              end("a", component="agent")]
    out = run(CaptureFilter(root_id=ROOT, components=["agent", "memory"]), events)
    assert parents(out)["m"] == "a"


def test_event_type_filter_keeps_only_the_listed_types():
    events = [start("l", component="llm"), instant("m", "l"), end("l", component="llm")]
    out = run(CaptureFilter(root_id=ROOT, event_types=["llm_call_start", "llm_call_end"]), events)
    assert [e["event_type"] for e in out] == ["llm_call_start", "llm_call_end"]


def test_structural_events_are_kept_whatever_the_rules():
    events = [structural("run_start", ROOT, None), structural("segment_start", "s"),
              structural("error_occurred", "e"), structural("run_end", ROOT, None)]
    event_filter = CaptureFilter(root_id=ROOT, components=["llm"], event_types=["llm_call_start"],
                               min_duration_ms=50, sample_rate=0.01, rng=lambda: 0.99)
    assert [e["event_type"] for e in run(event_filter, events)] == [
        "run_start", "segment_start", "error_occurred", "run_end"]


# ---------------------------------------------------------------- minimum duration


def test_short_span_is_dropped_start_and_end():
    out = run(CaptureFilter(root_id=ROOT, min_duration_ms=50), [start("t"), end("t", duration_ms=10)])
    assert out == []


def test_start_of_a_span_is_held_until_its_end():
    assert CaptureFilter(root_id=ROOT, min_duration_ms=50)(start("t")) == []


def test_long_span_is_kept_with_its_start_before_its_end():
    out = run(CaptureFilter(root_id=ROOT, min_duration_ms=50), [start("t"), end("t", duration_ms=60)])
    assert ids(out) == [("t", "start"), ("t", "end")]


def test_failed_short_span_is_kept():
    out = run(CaptureFilter(root_id=ROOT, min_duration_ms=50), [start("t"), end("t", duration_ms=1, status="failed")])
    assert ids(out) == [("t", "start"), ("t", "end")]


def test_held_parent_start_is_released_before_a_kept_child():
    events = [start("p", component="agent"), start("c", "p"), end("c", "p", duration_ms=80),
              end("p", component="agent", duration_ms=90)]
    out = run(CaptureFilter(root_id=ROOT, min_duration_ms=50), events)
    assert ids(out) == [("p", "start"), ("c", "start"), ("c", "end"), ("p", "end")]


def test_released_parent_is_kept_even_when_short():
    events = [start("p", component="agent"), start("c", "p"), end("c", "p", duration_ms=1, status="failed"),
              end("p", component="agent", duration_ms=2)]
    out = run(CaptureFilter(root_id=ROOT, min_duration_ms=50), events)
    assert ("p", "end") in ids(out)


def test_instant_event_releases_its_held_ancestors_outermost_first():
    events = [start("p", component="agent"), start("c", "p"), instant("m", "c")]
    out = run(CaptureFilter(root_id=ROOT, min_duration_ms=50), events)
    assert ids(out) == [("p", "start"), ("c", "start"), ("m", "operation")]


def test_drain_releases_held_starts_parents_first():
    event_filter = CaptureFilter(root_id=ROOT, min_duration_ms=50)
    run(event_filter, [start("p", component="agent"), start("c", "p")])
    assert ids(event_filter.drain()) == [("p", "start"), ("c", "start")]


def test_drain_leaves_nothing_held():
    event_filter = CaptureFilter(root_id=ROOT, min_duration_ms=50)
    event_filter(start("p"))
    event_filter.drain()
    assert event_filter.drain() == []


# ---------------------------------------------------------------- sampling


def sequence_rng(*values: float):
    it = iter(values)
    return lambda: next(it)


def sampled_run() -> list[Event]:
    """Two top-level spans: the rng drops the first (0.9 >= 0.5) and keeps the second (0.1 < 0.5)."""
    events = [
        start("a", component="agent"), start("a1", "a", "llm"), instant("am", "a1"),
        structural("error_occurred", "ae", "a1"), end("a1", "a", "llm"), instant("am2", "a"),
        end("a", component="agent"),
        start("b", component="agent"), start("b1", "b", "llm"), end("b1", "b", "llm"), end("b", component="agent"),
    ]
    return run(CaptureFilter(root_id=ROOT, sample_rate=0.5, rng=sequence_rng(0.9, 0.1)), events)


def test_unsampled_top_level_span_is_dropped_with_its_children_and_instant_events():
    assert not {"a", "a1", "am", "am2"} & {e["span_id"] for e in sampled_run()}


def test_sampled_top_level_span_is_kept_with_its_children():
    assert ids([e for e in sampled_run() if e["span_id"] in ("b", "b1")]) == [
        ("b", "start"), ("b1", "start"), ("b1", "end"), ("b", "end")]


def test_error_in_an_unsampled_subtree_is_kept_and_reparented_to_the_root():
    errors = [e for e in sampled_run() if e["event_type"] == "error_occurred"]
    assert [(e["span_id"], e["parent_id"]) for e in errors] == [("ae", ROOT)]


def test_sampling_draws_once_per_top_level_span():
    draws: list[float] = []

    def rng() -> float:
        draws.append(0.1)
        return 0.1

    run(CaptureFilter(root_id=ROOT, sample_rate=0.5, rng=rng), nested("a", "t", "l") + nested("b", "u", "m"))
    assert len(draws) == 2


def test_child_outliving_a_dropped_short_parent_is_reparented():
    events = [start("p", component="agent"), start("c", "p"), end("p", component="agent", duration_ms=5),
              end("c", "p", duration_ms=80)]
    out = run(CaptureFilter(root_id=ROOT, min_duration_ms=50), events)
    assert parents(out) == {"c": ROOT}
