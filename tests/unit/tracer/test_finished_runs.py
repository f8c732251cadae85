"""The markers of runs waiting to be sent: written whole when a run ends, taken by one sender at a time, and
believed only for the run's own files (the hostile layouts of `model/fs.py`'s rooms)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from namel3ss_debug.model.fs import Refused
from namel3ss_debug.tracer import finished

RUN = "20261129-120000-abc123"
LATER = "20261129-130000-def456"


def finished_run(directory: Path, run_id: str = RUN, segments: int = 2) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{run_id}.{index:04d}.jsonl" for index in range(segments)]
    for index, path in enumerate(paths):
        path.write_bytes(b'{"seq": %d}\n' % index)
    assert finished.mark(directory, run_id, paths)
    return paths


def test_a_finished_run_waits_with_its_segments_listed(tmp_path):
    finished_run(tmp_path, LATER)
    finished_run(tmp_path, RUN)
    assert finished.waiting(tmp_path) == [RUN, LATER]  # oldest first
    with finished.claim(tmp_path, RUN) as taken:
        assert taken.pending.segments == (f"{RUN}.0000.jsonl", f"{RUN}.0001.jsonl")
        assert taken.read(f"{RUN}.0001.jsonl") == b'{"seq": 1}\n'


def test_a_sent_run_leaves_nothing_of_its_own_and_nothing_else_goes(tmp_path):
    paths = finished_run(tmp_path)
    (tmp_path / f"{RUN}.0000.jsonl.idx").write_bytes(b"index")
    (tmp_path / f"{LATER}.0000.jsonl").write_bytes(b"another run\n")
    (tmp_path / "notes.txt").write_text("the user's")
    with finished.claim(tmp_path, RUN) as taken:
        taken.sent(keep_local=False)
    assert sorted(os.listdir(tmp_path)) == [f"{LATER}.0000.jsonl", "notes.txt"]
    assert not any(path.exists() for path in paths)


def test_keep_local_keeps_the_segments_and_lets_the_marker_go(tmp_path):
    paths = finished_run(tmp_path)
    with finished.claim(tmp_path, RUN) as taken:
        taken.sent(keep_local=True)
    assert sorted(os.listdir(tmp_path)) == sorted(path.name for path in paths)
    assert finished.waiting(tmp_path) == []


def test_a_run_taken_by_one_process_is_not_taken_by_another(tmp_path):
    finished_run(tmp_path)
    with finished.claim(tmp_path, RUN):
        assert finished.claim(tmp_path, RUN) is None  # a flock of its own: as another process's would be
    second = finished.claim(tmp_path, RUN)
    assert second is not None
    second.close()


def test_a_run_sent_while_another_sender_waited_for_it_is_not_sent_again(tmp_path):
    finished_run(tmp_path)
    first = finished.claim(tmp_path, RUN)
    assert first is not None
    first.sent(keep_local=False)  # the marker is gone while the lock is still held, as in a real send
    first.close()
    assert finished.claim(tmp_path, RUN) is None


def test_a_run_without_a_marker_is_never_taken(tmp_path):
    (tmp_path / f"{RUN}.0000.jsonl").write_bytes(b"{}\n")
    assert (finished.waiting(tmp_path), finished.claim(tmp_path, RUN)) == ([], None)


@pytest.mark.parametrize("listed", [["../../etc/passwd"], [f"{LATER}.0000.jsonl"], ["notes.txt"], "x", [1]])
def test_a_marker_listing_what_is_not_the_runs_own_is_not_believed(tmp_path, listed):
    (tmp_path / finished.mark_name(RUN)).write_text(json.dumps({"v": 1, "run_id": RUN, "segments": listed}))
    assert finished.claim(tmp_path, RUN) is None


def test_a_marker_of_another_run_id_is_not_believed(tmp_path):
    (tmp_path / finished.mark_name(RUN)).write_text(json.dumps({"v": 1, "run_id": LATER, "segments": []}))
    assert finished.claim(tmp_path, RUN) is None


def test_a_link_at_a_markers_name_is_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    finished_run(elsewhere)
    (tmp_path / finished.mark_name(RUN)).symlink_to(elsewhere / finished.mark_name(RUN))
    assert finished.claim(tmp_path, RUN) is None


def test_a_fifo_at_a_markers_name_is_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / finished.mark_name(RUN))
    assert finished.claim(tmp_path, RUN) is None


def test_a_link_at_a_segments_name_is_refused_and_left(tmp_path):
    finished_run(tmp_path, segments=1)
    secret = tmp_path / "secret.txt"
    secret.write_text("not a trace")
    segment = tmp_path / f"{RUN}.0000.jsonl"
    segment.unlink()
    segment.symlink_to(secret)
    with finished.claim(tmp_path, RUN) as taken:
        with pytest.raises(Refused, match="symbolic link"):
            taken.read(segment.name)
        taken.sent(keep_local=False)
    assert segment.is_symlink() and secret.read_text() == "not a trace"


def test_a_segment_removed_meanwhile_reads_as_none(tmp_path):
    finished_run(tmp_path)
    (tmp_path / f"{RUN}.0001.jsonl").unlink()
    with finished.claim(tmp_path, RUN) as taken:
        assert taken.read(f"{RUN}.0001.jsonl") is None


def test_no_marker_is_written_for_a_run_id_not_of_ours_or_a_run_without_files(tmp_path):
    assert not finished.mark(tmp_path, "../x", [tmp_path / "x.0000.jsonl"])
    assert not finished.mark(tmp_path, RUN, [])
    assert os.listdir(tmp_path) == []


def test_a_link_at_a_markers_name_when_a_run_starts_is_replaced_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours")
    traces = tmp_path / "traces"
    traces.mkdir()
    (traces / finished.mark_name(RUN)).symlink_to(outside)
    assert finished.begin(traces, RUN)
    assert outside.read_text() == "not ours" and not (traces / finished.mark_name(RUN)).is_symlink()
    assert json.loads((traces / finished.mark_name(RUN)).read_text())["state"] == finished.RUNNING
