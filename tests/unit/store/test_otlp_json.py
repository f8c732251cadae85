"""OTLP/JSON files read as v1 events: the published sample document, Collector-style JSON lines, the
GenAI/OpenInference meaning of spans, and files that are not right."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.store.formats import rereadable
from namel3ss_debug.store.otlp.reader import ns_to_iso
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

DATA = Path(__file__).parents[2] / "data" / "otlp"
TRACE = "5b8efff798038103d269b633813fc60c"
OTHER = "0af7651916cd43dd8448eb211c80319c"
T0 = 1_700_000_000_000_000_000
Event = dict[str, Any]


def value(item: Any) -> dict[str, Any]:
    if isinstance(item, bool):
        return {"boolValue": item}
    if isinstance(item, int):
        return {"intValue": str(item)}
    if isinstance(item, float):
        return {"doubleValue": item}
    return {"stringValue": str(item)}


def span(span_id: str, name: str, start_ms: float, end_ms: float | None, parent: str | None = None,
         trace: str = TRACE, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"traceId": trace, "spanId": span_id, "name": name,
                             "startTimeUnixNano": str(T0 + int(start_ms * 1e6)),
                             "attributes": [{"key": k, "value": value(v)} for k, v in extra.pop("attrs", {}).items()]}
    if end_ms is not None:
        found["endTimeUnixNano"] = str(T0 + int(end_ms * 1e6))
    if parent:
        found["parentSpanId"] = parent
    found.update(extra)
    return found


def request(*spans: dict[str, Any], service: str = "weather-app", scope: str = "my.library") -> dict[str, Any]:
    return {"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}},
                                    {"key": "host.name", "value": {"stringValue": "box"}}]},
        "scopeSpans": [{"scope": {"name": scope}, "spans": list(spans)}]}]}


def write_lines(tmp_path: Path, *lines: Any, name: str = "otlp.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def read(path: Path, strict: bool = False) -> tuple[list[Event], list[str]]:
    warnings: list[str] = []
    problems = ReadProblems(strict=strict, on_warning=warnings.append)
    reader = TraceReader(problems, write_index=False)
    return [located.event for located in reader.events(RunSource(str(path), (str(path),)))], warnings


def kinds(events: list[Event]) -> list[str]:
    return [f"{e['event_type']}:{e['name']}" for e in events]


def test_the_published_sample_document_is_one_run_with_its_one_span() -> None:
    events, warnings = read(DATA / "opentelemetry-proto-trace.json")
    assert warnings == []
    assert kinds(events) == ["run_start:my.service", "custom_span_start:I'm a server span",
                             "custom_span_end:I'm a server span", "run_end:my.service"]
    assert {e["run_id"] for e in events} == {TRACE}
    assert [e["seq"] for e in events] == [0, 1, 2, 3]
    end = events[2]
    assert (end["duration_ms"], end["status"], end["ts"]) == (1000.0, "completed", "2018-12-13T14:51:01.000000Z")
    start = events[1]
    assert start["span_id"] == "eee19b7ec3c1b174" and start["parent_id"] == events[0]["span_id"]
    assert start["attrs"]["otel_parent_span_id"] == "eee19b7ec3c1b173"  # named, but not in the file
    assert start["attrs"]["otel_attributes"] == {"my.span.attr": "some value"}
    assert start["attrs"]["otel_kind"] == "SERVER"
    assert events[0]["attrs"]["entry"] == {"kind": "otlp", "name": "my.service"}


def test_each_trace_id_is_a_run_numbered_from_zero(tmp_path: Path) -> None:
    path = write_lines(tmp_path, request(span("00000000000000a1", "one", 0, 5)),
                       request(span("00000000000000b1", "two", 1, 2, trace=OTHER)))
    events, _ = read(path)
    runs = {}
    for event in events:
        runs.setdefault(event["run_id"], []).append(event["seq"])
    assert runs == {TRACE: [0, 1, 2, 3], OTHER: [0, 1, 2, 3]}


def test_a_child_in_an_earlier_batch_than_its_parent_still_nests_under_it(tmp_path: Path) -> None:
    child = span("00000000000000c1", "child", 10, 20, parent="00000000000000a1")
    parent = span("00000000000000a1", "parent", 10, 30)
    events, _ = read(write_lines(tmp_path, request(child), request(parent)))
    assert kinds(events)[1:5] == ["custom_span_start:parent", "custom_span_start:child",
                                  "custom_span_end:child", "custom_span_end:parent"]
    assert events[2]["parent_id"] == "00000000000000a1"


def test_an_error_status_fails_the_span_with_the_exception_events_error_and_no_extra_event(tmp_path: Path) -> None:
    failed = span("00000000000000a1", "get_weather", 0, 3, attrs={"openinference.span.kind": "TOOL",
                                                                  "tool.name": "get_weather"},
                  status={"code": 2, "message": "no station"},
                  events=[{"timeUnixNano": str(T0 + 2_000_000), "name": "exception", "attributes": [
                      {"key": "exception.type", "value": {"stringValue": "builtins.TimeoutError"}},
                      {"key": "exception.message", "value": {"stringValue": "no answer in 2 s"}}]}])
    events, _ = read(write_lines(tmp_path, request(failed)))
    assert kinds(events) == ["run_start:weather-app", "tool_call_start:get_weather", "tool_call_end:get_weather",
                             "run_end:weather-app"]
    end = events[2]
    assert end["status"] == "failed"
    assert end["error"] == {"type": "TimeoutError", "message": "no answer in 2 s", "category": "timeout"}
    assert events[3]["status"] == "failed"  # a top-level span failed: so did the run


def test_span_events_become_instant_events_under_their_span(tmp_path: Path) -> None:
    marked = span("00000000000000a1", "work", 0, 10, events=[
        {"timeUnixNano": str(T0 + 4_000_000), "name": "cache miss",
         "attributes": [{"key": "key", "value": {"stringValue": "k1"}}]}])
    events, _ = read(write_lines(tmp_path, request(marked)))
    instant = events[2]
    assert (instant["event_type"], instant["name"], instant["parent_id"]) == ("custom_otel_event", "cache miss",
                                                                             "00000000000000a1")
    assert instant["ts"] == ns_to_iso(T0 + 4_000_000)
    assert instant["attrs"]["otel_attributes"] == {"key": "k1"}


def test_genai_attributes_make_llm_and_tool_spans_with_model_and_tokens(tmp_path: Path) -> None:
    chat = span("00000000000000a1", "chat gpt-4o", 0, 50, kind=3, attrs={
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 7})
    tool = span("00000000000000b1", "execute_tool get_weather", 60, 70,
                attrs={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"})
    events, _ = read(write_lines(tmp_path, request(chat, tool)))
    llm_end = next(e for e in events if e["event_type"] == "llm_call_end")
    assert llm_end["model"] == "gpt-4o-2024-08-06"
    assert llm_end["usage"] == {"input_tokens": 12, "output_tokens": 7, "total_tokens": 19}
    assert llm_end["duration_ms"] == 50.0
    tool_start = next(e for e in events if e["event_type"] == "tool_call_start")
    assert (tool_start["component"], tool_start["name"]) == ("tool", "get_weather")


def test_ids_in_base64_enums_by_name_and_proto_field_names_are_read_as_protobuf_writes_them(tmp_path: Path) -> None:
    raw = {"resource_spans": [{"scope_spans": [{"spans": [{
        "trace_id": base64.b64encode(bytes.fromhex(TRACE)).decode(),
        "span_id": base64.b64encode(bytes.fromhex("00000000000000a1")).decode(), "name": "work",
        "kind": "SPAN_KIND_INTERNAL", "start_time_unix_nano": str(T0), "end_time_unix_nano": str(T0 + 10**6),
        "status": {"code": "STATUS_CODE_OK"}}]}]}]}
    events, warnings = read(write_lines(tmp_path, raw))
    assert warnings == []
    assert (events[1]["run_id"], events[1]["span_id"], events[2]["duration_ms"]) == (TRACE, "00000000000000a1", 1.0)


def test_a_span_never_ended_stays_open(tmp_path: Path) -> None:
    events, _ = read(write_lines(tmp_path, request(span("00000000000000a1", "hung", 0, None))))
    assert kinds(events) == ["run_start:weather-app", "custom_span_start:hung", "run_end:weather-app"]


def test_a_bad_span_is_a_warning_with_file_line_and_json_path_and_the_rest_is_read(tmp_path: Path) -> None:
    no_id = span("00000000000000a1", "no id", 0, 1)
    del no_id["spanId"]
    wrong = span("00000000000000c1", "wrong", 0, 1, attrs={})
    wrong["attributes"] = [{"key": "n", "value": {"intValue": "twelve"}}]
    path = write_lines(tmp_path, request(no_id, span("00000000000000b1", "fine", 0, 1)), "what is this",
                       request(wrong))
    events, warnings = read(path)
    assert [e["name"] for e in events if e["event_type"].endswith("_start")][1:] == ["fine"]
    assert warnings == [
        f"{path}:1: resourceSpans[0].scopeSpans[0].spans[0]: spanId is missing; span left out",
        f"{path}:2: not JSON (unexpected character, expected a JSON value)",
        (f"{path}:3: resourceSpans[0].scopeSpans[0].spans[0]: attribute 'n': intValue is not an integer: "
         "'twelve'; span left out"),
    ]


def test_under_strict_a_bad_span_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    bad = span("0000000000000001", "bad", 0, 1)
    bad["traceId"] = "xyz"
    path = write_lines(tmp_path, request(span("00000000000000b1", "fine", 0, 1)), request(bad))
    with pytest.raises(TraceError) as caught:
        read(path, strict=True)
    assert caught.value.where == f"{path}:2"
    assert caught.value.message == "resourceSpans[0].scopeSpans[0].spans[0]: traceId is not 16 bytes in hex: 'xyz'"
    assert caught.value.exit_code == 3


def test_a_broken_pretty_printed_document_is_reported_at_its_line(tmp_path: Path) -> None:
    text = json.dumps(request(span("00000000000000a1", "one", 0, 1)), indent=2).splitlines()
    text[12] = text[12] + " oops"
    path = tmp_path / "broken.json"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(TraceError) as caught:
        read(path, strict=True)
    assert caught.value.where == f"{path}:13"


def test_a_pretty_printed_document_with_several_requests_reads_them_all(tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    path.write_text(json.dumps([request(span("00000000000000a1", "one", 0, 1)),
                                request(span("00000000000000b1", "two", 2, 3))], indent=2))
    events, _ = read(path)
    assert [e["name"] for e in events if e["event_type"] == "custom_span_end"] == ["one", "two"]


def test_otlp_files_are_not_reread_by_byte_offset(tmp_path: Path) -> None:
    lines = write_lines(tmp_path, request(span("00000000000000a1", "one", 0, 1)))
    for path in (lines, DATA / "opentelemetry-proto-trace.json"):
        assert not rereadable(RunSource(str(path), (str(path),)))


def test_an_sdk_apps_openinference_file_has_its_llm_calls_models_and_tokens() -> None:
    events, warnings = read(DATA / "openinference-openai.jsonl")
    assert warnings == []
    ends = [e for e in events if e["event_type"] == "llm_call_end"]
    assert len(ends) == 4 and {e["model"] for e in ends} == {"gpt-4o-mini"}
    assert all(e["usage"]["input_tokens"] > 0 and e["usage"]["output_tokens"] > 0 for e in ends)
    failed = [e for e in events if e["event_type"] == "tool_call_end" and e["status"] == "failed"]
    assert [e["error"]["type"] for e in failed] == ["LookupError"]
