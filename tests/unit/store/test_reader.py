"""The reader: blocks of records and dicts with places, tolerant where it should be and strict when asked."""

from __future__ import annotations

import gzip
import io

import orjson
import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.store import blocks
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource


def _trace(spans: int = 3) -> TraceBuilder:
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(spans):
        trace.span("tool", "x", 1)
    trace.run_end()
    return trace


def _read(path, *, strict=False, stdin=None, mode="records", **options):
    problems = ReadProblems(strict=strict)
    reader = TraceReader(problems, stdin=stdin, **options)
    source = RunSource(str(path), (str(path),))
    if mode == "records":
        return [r for block in reader.records(source) for r in block], problems
    return list(reader.events(source)), problems


def test_records_and_events_agree_on_a_clean_trace(tmp_path):
    path = _trace().write(tmp_path / "t.jsonl")
    records, _ = _read(path)
    located, _ = _read(path, mode="events")
    assert [r.seq for r in records] == [e.event["seq"] for e in located] == list(range(8))


def test_events_know_their_line_and_offset(tmp_path):
    path = _trace().write(tmp_path / "t.jsonl")
    located, _ = _read(path, mode="events")
    data = path.read_bytes()
    third = located[2]
    assert (third.where, orjson.loads(data[third.offset:data.index(b"\n", third.offset)])["seq"]) == \
        (f"{path}:3", 2)


@pytest.mark.parametrize("mode", ["records", "events"])
def test_a_torn_last_line_is_a_warning_with_its_place(tmp_path, mode):
    path = tmp_path / "t.jsonl"
    path.write_bytes(_trace().lines() + b'{"v": 1, "seq": 8, "ev')
    items, problems = _read(path, mode=mode)
    assert (len(items), problems.torn, problems.invalid_count) == (8, [f"{path}:9"], 0)


@pytest.mark.parametrize("mode", ["records", "events"])
def test_an_invalid_line_in_the_middle_is_skipped_and_counted(tmp_path, mode):
    lines = _trace().lines().split(b"\n")
    lines.insert(3, b"this is not json")
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(lines))
    items, problems = _read(path, mode=mode)
    assert (len(items), problems.invalid_count, problems.invalid[0].split(": ")[0]) == (8, 1, f"{path}:4")


def test_strict_makes_an_invalid_line_an_error(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(_trace().lines().replace(b"\n", b"\n[1, 2]\n", 1))
    with pytest.raises(TraceError, match=":2") as caught:
        _read(path, strict=True)
    assert caught.value.exit_code == 3


def test_a_line_missing_an_envelope_field_names_it(tmp_path):
    path = tmp_path / "t.jsonl"
    event = _trace().events[1]
    del event["span_id"]
    path.write_bytes(_trace().lines() + orjson.dumps(event) + b"\n")
    _, problems = _read(path)
    assert "missing field `span_id`" in problems.invalid[0]


def test_an_optional_field_of_the_wrong_type_is_dropped_not_the_event(tmp_path):
    trace = _trace(1)
    trace.events[2]["duration_ms"] = "fast"
    records, problems = _read(trace.write(tmp_path / "t.jsonl"))
    assert (len(records), records[2].duration_ms, problems.dropped_count) == (4, None, 1)


def test_a_newer_schema_version_is_an_error_naming_the_line(tmp_path):
    trace = _trace(1)
    trace.events[2]["v"] = 2
    with pytest.raises(TraceError, match="version 2 is not supported") as caught:
        _read(trace.write(tmp_path / "t.jsonl"))
    assert f"{tmp_path / 't.jsonl'}:3" in str(caught.value)


def test_binary_garbage_is_not_a_trace(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(TraceError, match="not a trace"):
        _read(path)


def test_an_empty_file_is_said_to_be_empty(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"")
    records, problems = _read(path)
    assert (records, problems.empty_files) == ([], [str(path)])


def test_unknown_event_types_are_read(tmp_path):
    trace = _trace(0)
    trace.instant("something_new", "custom", "x")
    records, problems = _read(trace.write(tmp_path / "t.jsonl"))
    assert ("something_new" in [r.event_type for r in records], problems.any) == (True, False)


def test_a_gz_file_reads_like_the_plain_one(tmp_path):
    data = _trace().lines()
    path = tmp_path / "t.jsonl.gz"
    path.write_bytes(gzip.compress(data))
    assert [r.seq for r in _read(path)[0]] == list(range(8))


def test_a_broken_gz_file_is_a_trace_error(tmp_path):
    path = tmp_path / "t.jsonl.gz"
    path.write_bytes(gzip.compress(_trace().lines())[:40])
    with pytest.raises(TraceError, match="gzip"):
        _read(path)


def test_standard_input_is_read_from_the_stream_given():
    stream = io.BytesIO(_trace().lines())
    assert len(_read("-", stdin=stream)[0]) == 8


def test_lines_longer_than_a_block_and_many_blocks_keep_their_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 256)
    trace = _trace(30)
    trace.events[5]["attrs"] = {"big": "x" * 2000}
    lines = trace.lines().split(b"\n")
    lines.insert(40, b"oops")
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(lines))
    records, problems = _read(path)
    assert ([r.seq for r in records] == list(range(62)), problems.invalid[0].split(": ")[0]) == (True, f"{path}:41")


def test_a_legacy_trace_is_mapped_onto_v1(tmp_path):
    line = {"event_type": "llm_call_start", "timestamp": 1700000000.5, "event_id": "e1", "execution_id": "x1",
            "component": "llm", "component_name": "planner", "parent_event_id": None}
    path = tmp_path / "legacy.jsonl"
    path.write_bytes(orjson.dumps(line) + b"\n")
    records, _ = _read(path)
    assert ("llm_call_start", "planner") in [(r.event_type, r.name) for r in records]


def test_n3_step_records_are_mapped_onto_v1(tmp_path):
    step = {"step_id": "s1", "timestamp": 1, "input": {}, "output": {}, "duration_ms": 0, "memory_used": 10,
            "flow_name": "answer", "step_name": "ask", "line": 3, "column": 1}
    path = tmp_path / "answer-000001.jsonl"
    path.write_bytes(orjson.dumps(step) + b"\n")
    records, _ = _read(path)
    assert [r.event_type for r in records][:4] == ["run_start", "chain_execution_start", "chain_step_start",
                                                  "chain_step_end"]


def test_invalid_utf8_in_a_line_is_an_invalid_line_not_a_crash(tmp_path):
    lines = _trace().lines().split(b"\n")
    lines[2] = lines[2].replace(b'"x"', b'"\xff\xfe"')
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(lines))
    records, problems = _read(path)
    assert (len(records), problems.invalid_count, problems.invalid[0].split(": ")[0]) == (7, 1, f"{path}:3")


def test_blank_lines_number_the_lines_of_the_blocks_after_them(tmp_path, monkeypatch):
    """A block's newlines, blank lines' too, number the next block's lines."""

    monkeypatch.setattr(blocks, "BLOCK_SIZE", 4096)
    lines = [orjson.dumps(event) for event in _trace(200).events]
    lines[3:3] = [b"", b"   ", b"\t"]  # blank, in the first block
    lines.insert(len(lines) - 5, b"{not json")  # in a later block
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    reader = TraceReader(ReadProblems())
    source = RunSource(str(path), (str(path),))
    for _ in reader.records(source):
        pass
    assert reader.problems.invalid_count == 1
    assert reader.problems.invalid[0].startswith(f"{path}:{len(lines) - 5}: ")
