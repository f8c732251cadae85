"""The offset index sidecar: written for big files, trusted only while the file is unchanged."""

from __future__ import annotations

import orjson
from support.tracefactory import many_llm_calls

from namel3ss_debug.store import index as index_module
from namel3ss_debug.store.index import index_path, load_index
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource


def _big(tmp_path, spans=3000):
    return many_llm_calls(spans).write(tmp_path / "big.jsonl")


def _read_all(path, mode="records", min_bytes=0):
    reader = TraceReader(ReadProblems(), index_min_bytes=min_bytes)
    source = RunSource(str(path), (str(path),))
    blocks = reader.records(source) if mode == "records" else reader.events(source)
    for _ in blocks:
        pass


def test_reading_a_big_file_writes_an_index_that_points_at_the_right_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "STRIDE", 4096)
    path = _big(tmp_path)
    _read_all(path)
    index = load_index(str(path))
    data = path.read_bytes()
    assert index is not None and len(index.entries) > 100
    for seq, line, offset in index.entries[::37]:
        event = orjson.loads(data[offset:data.index(b"\n", offset)])
        assert (event["seq"], data.count(b"\n", 0, offset) + 1) == (seq, line)


def test_the_dict_reader_writes_the_same_kind_of_index(tmp_path):
    path = _big(tmp_path)
    _read_all(path, mode="events")
    index = load_index(str(path))
    assert index is not None and index.first_seq == 0 and index.last_seq == 6001


def test_start_for_gives_the_nearest_entry_at_or_before(tmp_path):
    path = _big(tmp_path)
    _read_all(path)
    index = load_index(str(path))
    seq, line, offset = index.entries[len(index.entries) // 2]
    assert index.start_for(seq + 1) == (line, offset) and index.covers(6001) and not index.covers(6002)


def test_a_changed_file_makes_the_index_stale(tmp_path):
    path = _big(tmp_path)
    _read_all(path)
    with path.open("ab") as handle:
        handle.write(b"\n")
    assert load_index(str(path)) is None


def test_small_files_get_no_index(tmp_path):
    path = _big(tmp_path, spans=3)
    _read_all(path, min_bytes=index_module.MIN_FILE_BYTES)
    assert not index_path(str(path)).exists()


def test_a_corrupt_index_is_ignored(tmp_path):
    path = _big(tmp_path, spans=3)
    index_path(str(path)).write_bytes(b"not json")
    assert load_index(str(path)) is None


def test_events_read_line_by_line_still_count_in_the_indexed_range(tmp_path):
    path = _big(tmp_path)
    data = path.read_bytes().rstrip(b"\n")  # the last line has no newline: it is read on its own
    path.write_bytes(data)
    _read_all(path)
    assert load_index(str(path)).last_seq == 6001
