"""An OTLP/JSON file of very many spans (issue 61: 100k root spans in one file took 2.6 GB): the reader keeps
the spans, then a run's events, on disk until their order is known, and gives them out a block at a time.
The CLI's peak memory stays bounded (a subprocess, its peak RSS from wait4), the time grows with the spans,
and what comes out is what the reader gave when everything was held in memory: with the spill forced on
(`SPOOL` 1), every test tree gives the same events as with it off."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from support.growth import assert_linear, cpu_seconds
from harness import Bounds, spawn

from namel3ss_debug.store.otlp import lazy, reader, spill
from namel3ss_debug.store.otlp.lazy import lazy_request
from namel3ss_debug.store.otlp.reader import OtlpMapper
from namel3ss_debug.store.problems import ReadProblems

T0 = 1_700_000_000_000_000_000
TRACE = "5b8efff798038103d269b633813fc60c"
# The CLI reading 40,000 root spans: 190 MB when the reader held them (and their events) in memory, 75 MB
# with the spill; an import of the CLI alone is about 35 MB.
ROOTS = 40_000
PEAK_MIB = 130
# The same spans as one request on one line (10 MiB): 218 MB when the line was parsed whole, 125-150 MB a span
# at a time (the line itself is held by the reader, and its format is told from it first).
ONE_LINE_PEAK_MIB = 185


def _span(number: int, parent: int | None = None, start: int | None = None, trace: str = TRACE,
          span_id: int | None = None) -> dict[str, Any]:
    begin = T0 + 1000 * (number if start is None else start)
    found: dict[str, Any] = {
        "traceId": trace, "spanId": f"{(span_id or number + 1):016x}", "name": f"step {number % 7}", "kind": 1,
        "startTimeUnixNano": str(begin), "endTimeUnixNano": str(begin + 500),
        "attributes": [{"key": "k", "value": {"stringValue": "v"}}], "status": {}}
    if parent is not None:
        found["parentSpanId"] = f"{parent:016x}"
    return found


def _request(spans: list[dict[str, Any]], service: str = "big") -> dict[str, Any]:
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"scope": {"name": "x"}, "spans": spans}]}]}


def write_lines(path: Path, spans: list[dict[str, Any]], batch: int = 512) -> Path:
    """The spans as a Collector's file exporter writes them: a request of `batch` spans a line."""
    with path.open("w", encoding="utf-8") as out:
        for begin in range(0, len(spans), batch):
            out.write(json.dumps(_request(spans[begin:begin + batch])) + "\n")
    return path


def mapped(path: Path) -> list[Any]:
    """The events (with their places) the mapper gives for the file, as JSON data."""
    mapper = OtlpMapper(str(path), ReadProblems(strict=False))
    offset = 0
    with path.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            mapper.feed(line.rstrip(b"\n"), f"{path}:{number}", False, offset)
            offset += len(line)
    return json.loads(json.dumps([list(placed) for placed in mapper.finish_placed()]))


@pytest.mark.parametrize("argv", [["analyze", "--no-cache", "--format", "json"], ["inspect", "--format", "json"]],
                         ids=["analyze", "inspect"])
def test_many_root_spans_are_read_in_bounded_memory(tmp_path: Path, argv: list[str]) -> None:
    trace = write_lines(tmp_path / "roots.otlp.jsonl", [_span(n) for n in range(ROOTS)])
    outcome = spawn([argv[0], str(trace), *argv[1:]], cwd=tmp_path, bounds=Bounds(seconds=120, mib=PEAK_MIB))
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.peak_mib < PEAK_MIB, outcome.peak_mib
    if argv[0] == "analyze":
        [run] = json.loads(outcome.stdout)["overview"]["runs"]
        assert run["events"] == 2 * ROOTS + 2


def _trees(rng: random.Random) -> list[list[dict[str, Any]]]:
    """Span sets that test the order: equal times, copies of an id, parents missing or in a cycle, parents
    after their children in the file, two traces, a chain."""
    other = "0af7651916cd43dd8448eb211c80319c"
    trees = []
    for copies in (False, True):
        spans = []
        for number in range(60):
            parent = rng.randrange(1, 64) if rng.random() < 0.8 else None
            span_id = rng.randrange(1, 30) if copies else None
            spans.append(_span(number, parent, rng.randrange(0, 8), rng.choice([TRACE, other]), span_id))
        rng.shuffle(spans)
        trees.append(spans)
    trees.append([_span(0, 2), _span(1, 1), _span(2)])  # a cycle of two, and a root
    trees.append([_span(n, n if n else None) for n in reversed(range(50))])  # each child before its parent
    return trees


def test_spilled_spans_give_the_events_held_ones_gave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = spill.SPOOL
    for index, spans in enumerate(_trees(random.Random(61))):
        path = write_lines(tmp_path / f"t{index}.jsonl", spans, batch=7)
        monkeypatch.setattr(spill, "SPOOL", default)
        held = mapped(path)
        monkeypatch.setattr(spill, "SPOOL", 1)
        assert mapped(path) == held, index


def test_a_chain_written_children_first_keeps_every_parent(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spill, "SPOOL", 10)
    path = write_lines(tmp_path / "chain.jsonl", [_span(n, n if n else None) for n in reversed(range(300))], 16)
    starts = [event for event, _, _ in mapped(path) if event["event_type"] == "custom_span_start"]
    assert [event["name"] for event in starts][:3] == ["step 0", "step 1", "step 2"]
    assert all(event["parent_id"] == f"{n:016x}" for n, event in enumerate(starts) if n)
    assert [event["seq"] for event, _, _ in mapped(path)] == list(range(602))


@pytest.mark.parametrize("argv", [["analyze", "--no-cache", "--format", "json"], ["inspect", "--tree"]],
                         ids=["analyze", "inspect-tree"])
def test_one_line_of_many_root_spans_is_read_a_span_at_a_time(tmp_path: Path, argv: list[str]) -> None:
    trace = write_lines(tmp_path / "one-line.otlp.jsonl", [_span(n) for n in range(ROOTS)], batch=ROOTS)
    assert trace.stat().st_size > lazy.LONG_LINE
    outcome = spawn([argv[0], str(trace), *argv[1:]], cwd=tmp_path,
                    bounds=Bounds(seconds=120, mib=ONE_LINE_PEAK_MIB))
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.peak_mib < ONE_LINE_PEAK_MIB, outcome.peak_mib


def test_a_line_read_a_span_at_a_time_gives_what_a_whole_parse_gave(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for index, spans in enumerate(_trees(random.Random(62))):
        path = write_lines(tmp_path / f"t{index}.jsonl", spans, batch=9)
        whole = mapped(path)
        monkeypatch.setattr(reader, "LONG_LINE", 0)
        assert mapped(path) == whole, index
        monkeypatch.undo()


@pytest.mark.parametrize("line", [
    b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"a":"]}\\"[{"},1,[1,{"b":2}]],"scope":{"name":"s"}}],'
    b'"resource":{"attributes":[]}}]}',
    b' { "resource_spans" : [ { "scope_spans" : [ ] } , { } ] , "x" : null } ',
    b'{}', b'[{"resourceSpans":[]}]', b'{"resourceSpans":{"a":1}}'])
def test_a_lazy_request_holds_what_orjson_reads(line: bytes) -> None:
    assert json.loads(json.dumps(lazy_request(line), default=list)) == json.loads(line)


@pytest.mark.parametrize("line", [b'{"resourceSpans":[{"a":1}', b'{"resourceSpans":[1,]}', b'{"a" 1}',
                                  b'{"a":1} x', b'{"resourceSpans":[{]}]}', b'{"a":1,}'])
def test_a_lazy_request_refuses_what_is_not_json(line: bytes) -> None:
    with pytest.raises(ValueError):
        lazy_request(line)


def _seconds(tmp_path: Path, count: int) -> float:
    path = write_lines(tmp_path / f"roots{count}.jsonl", [_span(n) for n in range(count)])
    return cpu_seconds(lambda: mapped(path), tries=2)


@pytest.mark.slow
def test_reading_root_spans_grows_linearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spill, "SPOOL", 100)  # both sizes through the disk
    assert_linear(lambda count: _seconds(tmp_path, count), 1_500, 24_000)
