"""OTLP/JSON values no writer should make: times past 64 bits or before 1970, integers of thousands of digits,
nesting thousands deep, and one export concatenated many times. Each is a warning with file:line (the span
left out, or the line or document skipped), never a traceback; the copies are read in linear time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.store.otlp import spill
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

TRACE = "5b8efff798038103d269b633813fc60c"
T0 = 1_700_000_000_000_000_000
WHERE = "resourceSpans[0].scopeSpans[0].spans[0]"


def span(span_id: str, name: str = "op", parent: str | None = None, **fields: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"traceId": TRACE, "spanId": span_id, "name": name, "startTimeUnixNano": str(T0),
                             "endTimeUnixNano": str(T0 + 1_000_000)}
    if parent:
        found["parentSpanId"] = parent
    found.update(fields)
    return found


def request(*spans: dict[str, Any]) -> dict[str, Any]:
    return {"resourceSpans": [{"scopeSpans": [{"spans": list(spans)}]}]}


def read(path: Path, strict: bool = False) -> tuple[list[dict[str, Any]], list[str]]:
    warnings: list[str] = []
    reader = TraceReader(ReadProblems(strict=strict, on_warning=warnings.append), write_index=False)
    return [located.event for located in reader.events(RunSource(str(path), (str(path),)))], warnings


def lines(tmp_path: Path, *texts: str) -> Path:
    path = tmp_path / "otlp.jsonl"
    path.write_text("".join(text + "\n" for text in texts))
    return path


def names(events: list[dict[str, Any]]) -> list[str]:
    return [event["name"] for event in events if event["event_type"].endswith("_start")]


@pytest.mark.parametrize(("field", "value", "shown"), [
    ("startTimeUnixNano", "9" * 25, "'9999999999999999999999999'"),
    ("startTimeUnixNano", 10**30, "1e+30"),  # orjson reads an integer past 64 bits as a double
    ("startTimeUnixNano", -5, "-5"),
    ("startTimeUnixNano", "-5", "'-5'"),
    ("endTimeUnixNano", "9" * 5000, "'" + "9" * 37 + "..." + "9" * 38 + "'"),  # a message shows 80 characters
])
def test_a_time_outside_64_bit_nanoseconds_leaves_its_span_out_with_file_line(
        tmp_path: Path, field: str, value: Any, shown: str) -> None:
    path = lines(tmp_path, json.dumps(request(span("00000000000000a1", "bad", **{field: value}))),
                 json.dumps(request(span("00000000000000b1", "fine"))))
    events, warnings = read(path)
    assert names(events) == [TRACE, "fine"]
    assert warnings == [f"{path}:1: {WHERE}: {field} is not a time in nanoseconds since 1970 (0 to 2**64-1): "
                        f"{shown}; span left out"]


def test_an_event_time_past_64_bits_leaves_its_span_out(tmp_path: Path) -> None:
    bad = span("00000000000000a1", events=[{"name": "e", "timeUnixNano": "9" * 40}])
    events, warnings = read(lines(tmp_path, json.dumps(request(bad, span("00000000000000b1", "fine")))))
    assert names(events) == [TRACE, "fine"]
    assert "events[0].timeUnixNano is not a time in nanoseconds" in warnings[0]


@pytest.mark.parametrize(("raw", "why"), [
    ('"' + "9" * 4301 + '"', "intValue is past a 64-bit integer's range: '9999999999"),
    ('"' + "9" * 20 + '"', "intValue is past a 64-bit integer's range: '99999999999999999999'"),
    ("9" * 25, "intValue is not an integer: 1e+25"),  # orjson reads it as a double
])
def test_an_integer_attribute_past_64_bits_leaves_its_span_out(tmp_path: Path, raw: str, why: str) -> None:
    bad = span("00000000000000a1", attributes=[{"key": "n", "value": {"intValue": "X"}}])
    text = json.dumps(request(bad, span("00000000000000b1", "fine"))).replace('"X"', raw)
    events, warnings = read(lines(tmp_path, text))
    assert names(events) == [TRACE, "fine"]
    assert warnings[0].startswith(f"{tmp_path / 'otlp.jsonl'}:1: {WHERE}: attribute 'n': {why}")


def test_a_4301_digit_number_in_a_document_is_refused_by_its_field_not_by_the_parser(tmp_path: Path) -> None:
    bad = span("00000000000000a1", attributes=[{"key": "n", "value": {"intValue": "X"}}])
    text = json.dumps(request(bad, span("00000000000000b1", "fine")), indent=2).replace('"X"', "9" * 4301)
    path = tmp_path / "doc.json"
    path.write_text(text)
    events, warnings = read(path)
    assert names(events) == [TRACE, "fine"]
    assert warnings == [f"{path}:1: {WHERE}: attribute 'n': intValue is not an integer: inf; span left out"]


def test_attribute_values_nested_past_32_levels_leave_their_span_out(tmp_path: Path) -> None:
    value: dict[str, Any] = {"stringValue": "x"}
    for _ in range(40):
        value = {"arrayValue": {"values": [value]}}
    bad = span("00000000000000a1", attributes=[{"key": "deep", "value": value}])
    events, warnings = read(lines(tmp_path, json.dumps(request(bad, span("00000000000000b1", "fine")))))
    assert names(events) == [TRACE, "fine"]
    assert warnings[0].endswith(f"{WHERE}: attribute 'deep': arrays or lists nested more than 32 levels deep; "
                                "span left out")


def test_a_line_nested_thousands_deep_is_not_json_and_the_next_line_is_read(tmp_path: Path) -> None:
    deep = json.dumps(request(span("00000000000000a1", attributes="X"))).replace('"X"', "[" * 5000 + "]" * 5000)
    path = lines(tmp_path, deep, json.dumps(request(span("00000000000000b1", "fine"))))
    events, warnings = read(path)
    assert names(events) == [TRACE, "fine"]
    assert warnings == [f"{path}:1: not JSON (depth limit exceeded)"]


def test_a_document_nested_thousands_deep_is_not_json_at_the_line_it_begins(tmp_path: Path) -> None:
    text = json.dumps(request(span("00000000000000a1", attributes="X")), indent=2)
    path = tmp_path / "doc.json"
    path.write_text("\n" + text.replace('"X"', "[" * 100_000 + "]" * 100_000))
    with pytest.raises(TraceError, match="no line is a JSON event"):
        read(path)
    with pytest.raises(TraceError, match=r"doc\.json:2: not JSON \(nested too deeply\)"):
        read(path, strict=True)


def test_a_value_nested_thousands_deep_in_our_own_attribute_stays_its_text(tmp_path: Path) -> None:
    ours = [{"key": "namel3ss.event_type", "value": {"stringValue": "tool_call_start"}},
            {"key": "namel3ss.component", "value": {"stringValue": "tool"}},
            {"key": "namel3ss.name", "value": {"stringValue": "search"}},
            {"key": "namel3ss.inputs", "value": {"stringValue": "[" * 100_000 + "]" * 100_000}}]
    events, _ = read(lines(tmp_path, json.dumps(request(span("00000000000000a1", attributes=ours)))))
    start = next(event for event in events if event["name"] == "search")
    assert start["inputs"] == "[" * 100_000 + "]" * 100_000


def chain(depth: int) -> list[dict[str, Any]]:
    """Spans each the parent of the next, `depth` deep, two children each: a tree as an agent's calls make."""
    spans, parent = [], None
    for level in range(depth):
        here = f"{level + 1:016x}"
        spans.append(span(here, f"level{level}", parent))
        spans.append(span(f"{level + 1:08x}{'f' * 8}", f"leaf{level}", parent))
        parent = here
    return spans


def test_copies_of_one_export_are_read_in_linear_time_every_copy_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Linear by the work done, not by the clock: the walk that orders the run's spans is handed each of the
    640 spans once (walking every copy's children again handed it 40**8; the count stops that walk early)."""
    export = json.dumps(request(*chain(8)))
    path = lines(tmp_path, *[export] * 40)
    handed = [0]
    children = spill._children

    def counted(child: Any, sibling: Any, holder: int) -> list[int]:
        found = children(child, sibling, holder)
        handed[0] += len(found)
        if handed[0] > 2 * 40 * 16:
            raise AssertionError(f"the walk was handed {handed[0]} spans of 640: copies walked again")
        return found

    monkeypatch.setattr(spill, "_children", counted)
    events, warnings = read(path)
    assert handed == [40 * 16]
    assert warnings == []
    assert len(events) == 40 * 16 * 2 + 2
