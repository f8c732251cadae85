"""`attrs` the block decoder kept as raw bytes without looking into them (bad UTF-8, a number past a double or a
64-bit integer, nesting past msgspec's depth) are read leniently when analysis asks for them, not raised; and a
line longer than a block is held in about twice its length at most."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder
from support.tracehelpers import refused_peak

from namel3ss_debug.store.blocks import MAX_LINE, iter_blocks
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.records import attrs_of
from namel3ss_debug.store.sources import RunSource


def run_start_with(tmp_path: Path, raw: bytes) -> Path:
    """A run whose run_start's attrs begin with `raw` (a `"key": value` pair)."""
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "search", 5.0)
    trace.run_end()
    lines = trace.lines().split(b"\n")
    lines[0] = lines[0].replace(b'"attrs":{', b'"attrs":{' + raw + b",", 1)
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join(lines))
    return path


def first_record_attrs(path: Path) -> dict[str, object]:
    reader = TraceReader(ReadProblems(), write_index=False)
    first = next(iter(reader.records(RunSource(str(path), (str(path),)))))[0]
    return attrs_of(first)


@pytest.mark.parametrize(("raw", "key", "value"), [
    (b'"bad":"\xff\xfe ok"', "bad", "\ufffd\ufffd ok"),
    (b'"big":1e400', "big", float("inf")),
    (b'"huge":' + b"9" * 30, "huge", 10**30 - 1),
])
def test_run_start_attrs_the_block_decoder_let_by_are_read_with_bad_bytes_replaced(
        tmp_path: Path, raw: bytes, key: str, value: object) -> None:
    attrs = first_record_attrs(run_start_with(tmp_path, raw))
    assert attrs[key] == value
    assert attrs["entry"] == {"kind": "script", "name": "app.py"}


def test_run_start_attrs_no_reader_can_read_are_no_attrs(tmp_path: Path) -> None:
    assert first_record_attrs(run_start_with(tmp_path, b'"n":' + b"9" * 5000)) == {}


def test_a_long_line_is_held_in_little_more_than_its_length(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    size = 40 << 20
    path.write_bytes(b"x" * size + b"\n{}\n")
    tracemalloc.start()
    try:
        with open(path, "rb") as stream:
            lengths = [block.size for block in iter_blocks(stream, str(path))]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(lengths) == size + 4
    assert peak < 1.3 * size  # it was 3.4 times: buffers three times the last, each line copied twice


def test_a_line_past_the_bound_is_refused_before_a_buffer_past_it_is_made(tmp_path: Path) -> None:
    path = tmp_path / "zeros.bin"
    with open(path, "wb") as out:
        out.truncate(MAX_LINE + (8 << 20))  # a sparse file of zeros: no disk, no newline
    peak = refused_peak(path, "zeros.bin:1: a line longer than 256 MiB")
    assert peak < 1.3 * MAX_LINE  # it was 2.9 times: buffers three times the last went to 729 MiB
