"""Finding one event by seq: through the offset index when the file has one, by reading it when not."""

from __future__ import annotations

import pytest
from support.tracefactory import TraceBuilder, many_llm_calls

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.store.index import index_path
from namel3ss_debug.store.lookup import SeqRange, find_event, first_event
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource


def big_trace(tmp_path, spans=3000):
    trace = many_llm_calls(spans)
    return trace.write(tmp_path / "big.jsonl"), trace.events


def source_of(*paths) -> RunSource:
    return RunSource(str(paths[0]), tuple(str(p) for p in paths))


class NoFullReads(TraceReader):
    """A reader that fails the test if anything reads a whole file."""

    def events(self, source):
        raise AssertionError(f"read in full: {source.files}")


def indexed(tmp_path):
    path, events = big_trace(tmp_path)
    for _ in TraceReader(ReadProblems(), index_min_bytes=0).events(source_of(path)):
        pass
    assert index_path(str(path)).exists()
    return path, events


def test_with_an_index_the_event_is_found_without_reading_the_file(tmp_path):
    path, events = indexed(tmp_path)
    found = find_event(source_of(path), 5000, NoFullReads(ReadProblems()))
    assert (found.event, found.line) == (events[5000], 5001)
    assert path.read_bytes()[found.offset:].startswith(b'{"v":1')


def test_without_an_index_the_file_is_read_and_the_index_written(tmp_path):
    path, events = big_trace(tmp_path)
    found = find_event(source_of(path), 42, TraceReader(ReadProblems(), index_min_bytes=0))
    assert (found.event, found.where) == (events[42], f"{path}:43")
    assert index_path(str(path)).exists()


def test_a_stale_index_is_not_trusted(tmp_path):
    path, events = indexed(tmp_path)
    with path.open("ab") as handle:
        handle.write(b"\n")
    found = find_event(source_of(path), 4000, TraceReader(ReadProblems()))
    assert found.event == events[4000]


def test_a_missing_seq_is_none_and_the_range_seen_is_reported(tmp_path):
    path, events = indexed(tmp_path)
    seen = SeqRange()
    assert find_event(source_of(path), 10**9, NoFullReads(ReadProblems()), seen) is None
    assert (seen.first, seen.last) == (0, len(events) - 1)


def test_the_files_of_a_run_are_searched_in_order(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(10):
        trace.span("tool", "t", 1)
    first, second = tmp_path / "r.0000.jsonl", tmp_path / "r.0001.jsonl"
    first.write_bytes(b"".join(trace.lines().splitlines(keepends=True)[:8]))
    second.write_bytes(b"".join(trace.lines().splitlines(keepends=True)[8:]))
    found = find_event(source_of(first, second), 12, TraceReader(ReadProblems()))
    assert (found.event, found.where) == (trace.events[12], f"{second}:5")


def test_an_invalid_line_on_the_way_is_reported_and_strict_makes_it_an_error(tmp_path):
    path, _ = indexed(tmp_path)
    problems = ReadProblems(strict=True)
    data = path.read_bytes()
    entry_line = data.rfind(b"\n", 0, len(data) // 2) + 1  # break the line after an index entry's line
    broken = data[:entry_line] + b"{oops\n" + data[entry_line:]
    path.write_bytes(broken)
    for _ in TraceReader(ReadProblems(), index_min_bytes=0).events(source_of(path)):
        pass
    with pytest.raises(TraceError, match="not JSON"):
        for seq in range(0, 6002, 50):
            find_event(source_of(path), seq, NoFullReads(problems))


def test_first_event_reads_one_line(tmp_path):
    path, events = big_trace(tmp_path, spans=2)
    assert first_event(source_of(path)) == events[0]
    assert first_event(RunSource("-", ("-",))) is None


def test_a_seq_missing_inside_an_indexed_file_is_none_without_a_full_read(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    for n in range(3000):
        trace.span("llm", "plan", 1, inputs={"prompt": "p" * 200, "n": n})
    del trace.events[2500]  # a gap, as dropped events leave
    path = trace.write(tmp_path / "gap.jsonl")
    for _ in TraceReader(ReadProblems(), index_min_bytes=0).events(source_of(path)):
        pass
    assert find_event(source_of(path), 2500, NoFullReads(ReadProblems())) is None
