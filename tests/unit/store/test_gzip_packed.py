"""`.gz` traces (store/packed.py): the ratio bound, and the decompressed copy replay reads events back from."""

from __future__ import annotations

import errno
import gzip
import tempfile

import pytest
from support.replayfactory import write_agent_run

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.recording.load import load_timeline
from namel3ss_debug.store.packed import MAX_RATIO, RATIO_FLOOR, inflated, spooled
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource


def _gz(tmp_path, data: bytes, name: str = "run.jsonl.gz"):
    path = tmp_path / name
    path.write_bytes(gzip.compress(data, compresslevel=9))
    return path


def _drain(path) -> int:
    stream, _ = inflated(str(path))
    with stream:
        return sum(len(chunk) for chunk in iter(lambda: stream.read(1 << 20), b""))


def test_a_small_file_is_read_whatever_its_ratio(tmp_path):
    assert _drain(_gz(tmp_path, b"x" * (RATIO_FLOOR - 1))) == RATIO_FLOOR - 1  # a thousand times, under the floor


def test_past_the_floor_a_file_that_outgrows_the_ratio_is_refused(tmp_path):
    with pytest.raises(TraceError, match=f"more than {MAX_RATIO} times their size: a gzip bomb") as caught:
        _drain(_gz(tmp_path, b"x" * (RATIO_FLOOR * 2)))
    assert caught.value.where == str(tmp_path / "run.jsonl.gz") and "gunzip -k" in caught.value.hint


def test_the_copy_holds_the_decompressed_bytes(tmp_path):
    data = b"".join(b'{"n": %d}\n' % n for n in range(50_000))
    with spooled(str(_gz(tmp_path, data))) as copy:
        copy.seek(0)
        assert copy.read() == data


def _timeline(tmp_path):
    plain = write_agent_run(tmp_path / "run.jsonl")
    path = _gz(tmp_path, plain.read_bytes())
    return path, load_timeline(RunSource(str(path), (str(path),)), TraceReader(ReadProblems()))


def test_a_gz_file_broken_after_it_was_read_is_said_so(tmp_path):
    path, timeline = _timeline(tmp_path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(TraceError, match="not a readable gzip file any more") as caught:
        timeline.event(4)
    assert caught.value.where == str(path)


def test_no_room_for_the_copy_is_said_so(tmp_path, monkeypatch):
    path, timeline = _timeline(tmp_path)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    with pytest.raises(TraceError, match="cannot decompress it into a temporary file .No space left") as caught:
        timeline.event(4)
    assert "TMPDIR" in caught.value.hint
