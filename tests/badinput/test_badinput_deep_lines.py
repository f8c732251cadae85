"""A line nested deeper than any trace (issue 76: a 50 MB line of `[` took 5.1 GB under every reader, the
lazy OTLP path keeping a Python tuple per open bracket before it could say the line was not JSON). Such a line
is refused where it passes orjson's 1024 levels, as 50 MB of garbage is: exit 3 and one line, within the peak
a garbage line takes (a subprocess, its peak RSS from wait4, as the other cases here). So is a line of
millions of tiny values, which a whole decode (orjson's, or the document reader's) built before refusing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import Bounds, spawn

from namel3ss_debug.store.formats import looks_otlp_document
from namel3ss_debug.store.otlp.lazy import LONG_LINE, MAX_DEPTH, lazy_request

LINE_BYTES = 50_000_000
# 50 MB of `x` take 170-180 MB (the CLI, and the line held while the reader reads it); 5.1 GB for `[` before.
PEAK_MIB = 200
SHAPES = {"brackets": b"[", "objects": b'{"a":', "mixed": b'[{"a":'}
# Wide: 16 M values on one line (1.3-1.8 GB before): never closed, a list of lists, a request of empty spans.
WIDE = {"unclosed": (b'{"resourceSpans":[', b"{},", b""), "lists": (b"[", b"[],", b"[]]"),
        "empty-spans": (b'{"resourceSpans":[{"scopeSpans":[{"spans":[', b"{},", b"{}]}]}]}")}
READERS = {
    "analyze": lambda trace, good: ["analyze", "--no-cache", "--no-pager", trace],
    "inspect": lambda trace, good: ["inspect", "--no-pager", trace],
    "replay": lambda trace, good: ["replay", "--no-pager", "--commands", "-", trace],
    "check": lambda trace, good: ["check", "--max-errors", "0", trace],
    "diff": lambda trace, good: ["diff", "--no-cache", trace, good],
}
T0 = 1_700_000_000_000_000_000
REQUEST = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "s"}, "spans": [
    {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "0000000000000001", "name": "root", "kind": 1,
     "startTimeUnixNano": str(T0), "endTimeUnixNano": str(T0 + 500), "status": {}}]}]}]}


def _deep(path: Path, unit: bytes, head: bytes = b"") -> Path:
    """`head`, then one line of `unit` repeated to LINE_BYTES, never closed."""
    path.write_bytes(head + unit * (LINE_BYTES // len(unit)) + b"\n")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_deep_line_is_refused_in_bounded_memory(workspace: Path, shape: str, reader: str) -> None:
    trace = _deep(workspace / "deep.jsonl", SHAPES[shape])
    good = workspace / "good.otlp.jsonl"
    good.write_text(json.dumps(REQUEST) + "\n")
    outcome = spawn(READERS[reader](str(trace), str(good)), cwd=workspace, stdin=b"n\nq\n",
                    bounds=Bounds(seconds=60, mib=PEAK_MIB))
    assert outcome.exit_code == 3, outcome.summary()
    assert outcome.peak_mib < PEAK_MIB, outcome.summary()
    assert outcome.stderr.count("\n") == 1 and f"{trace}: not a trace" in outcome.stderr, outcome.stderr


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_deep_line_among_requests_is_named_by_its_place(workspace: Path, shape: str) -> None:
    trace = _deep(workspace / "deep.otlp.jsonl", SHAPES[shape], head=json.dumps(REQUEST).encode() + b"\n")
    outcome = spawn(["analyze", "--strict", "--no-cache", "--no-pager", str(trace)], cwd=workspace,
                    bounds=Bounds(seconds=60, mib=PEAK_MIB))
    assert outcome.exit_code == 3, outcome.summary()
    assert outcome.peak_mib < PEAK_MIB, outcome.summary()
    assert f"{trace}:2: not JSON (nested deeper than {MAX_DEPTH} levels" in outcome.stderr, outcome.stderr


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(WIDE))
def test_a_wide_line_is_refused_in_bounded_memory(workspace: Path, shape: str) -> None:
    head, unit, tail = WIDE[shape]
    trace = workspace / "wide.jsonl"
    trace.write_bytes(head + unit * (LINE_BYTES // len(unit)) + tail + b"\n")
    outcome = spawn(["analyze", "--no-cache", "--no-pager", str(trace)], cwd=workspace,
                    bounds=Bounds(seconds=60, mib=PEAK_MIB))
    assert outcome.exit_code == 3, outcome.summary()
    assert outcome.peak_mib < PEAK_MIB, outcome.summary()
    assert outcome.stderr.count("\n") == 1 and f"{trace}: not a trace" in outcome.stderr, outcome.stderr


def test_a_request_longer_than_the_head_is_a_line_not_a_pretty_printed_document() -> None:
    line = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [REQUEST] * 1000}]}]}).encode()
    assert not looks_otlp_document(line[:1 << 16])  # read a span at a time, not decoded whole as a document
    assert looks_otlp_document(json.dumps(REQUEST, indent=2).encode()[:1 << 16])


@pytest.mark.parametrize("unit", SHAPES.values(), ids=SHAPES)
def test_a_long_line_is_refused_where_it_passes_the_depth_limit(unit: bytes) -> None:
    line = unit * (LONG_LINE // len(unit) + 1)
    with pytest.raises(ValueError, match=f"nested deeper than {MAX_DEPTH} levels at byte "):
        lazy_request(line)


def test_a_long_line_as_deep_as_orjson_reads_is_read() -> None:
    line = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    [inner] = lazy_request(line.ljust(LONG_LINE + 1))
    levels = 2
    while inner:  # compared level by level: `==` on the whole would pass Python's recursion limit
        [inner] = inner
        levels += 1
    assert (levels, inner) == (MAX_DEPTH, [])
