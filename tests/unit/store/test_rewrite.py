"""rewrite_lines: changed lines replaced, the rest byte for byte, and the old file whole on any failure."""

from __future__ import annotations

import os

import pytest

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.store import blocks, rewrite
from namel3ss_debug.store.blocks import BOM
from namel3ss_debug.store.rewrite import rewrite_lines


def upper_b(line: bytes) -> bytes:
    return line.replace(b"b", b"B")


def test_only_changed_lines_differ_and_the_count_says_how_many(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"a1\nb2\n\nc3\nbb\n")
    assert rewrite_lines(str(path), upper_b) == 2
    assert path.read_bytes() == b"a1\nB2\n\nc3\nBB\n"


def test_the_test_decides_which_lines_the_change_sees(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"b1\nb2\n")
    assert rewrite_lines(str(path), upper_b, lambda line: line.endswith(b"2")) == 1
    assert path.read_bytes() == b"b1\nB2\n"


@pytest.mark.parametrize("block_size", [4, 1 << 20])
def test_lines_at_given_offsets_are_changed_and_nothing_else(tmp_path, monkeypatch, block_size):
    monkeypatch.setattr(blocks, "BLOCK_SIZE", block_size)
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"bb\nbbb\nb\nbbbb")
    assert rewrite_lines(str(path), upper_b, at={3, 9}, write=False) == 2  # read in blocks
    assert rewrite_lines(str(path), upper_b, at={3, 9}) == 2  # spliced
    assert path.read_bytes() == b"bb\nBBB\nb\nBBBB"


def test_lines_at_offsets_are_spliced_without_the_kernel_copy_too(tmp_path, monkeypatch):
    def unsupported(*args):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(rewrite.os, "copy_file_range", unsupported)
    path = tmp_path / "t.jsonl"
    path.write_bytes(BOM + b"bb\nbbb\nb\nbbbb")
    assert rewrite_lines(str(path), upper_b, at={6, 12}) == 2
    assert path.read_bytes() == BOM + b"bb\nBBB\nb\nBBBB"


def test_a_byte_order_mark_and_a_last_line_without_newline_are_kept(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(BOM + b"b1\na2")
    rewrite_lines(str(path), upper_b)
    assert path.read_bytes() == BOM + b"B1\na2"


def test_dry_run_counts_and_writes_nothing(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"b1\n")
    assert (rewrite_lines(str(path), upper_b, write=False), path.read_bytes()) == (1, b"b1\n")


def test_a_failure_before_the_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"b1\n")

    def crash(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(rewrite.os, "rename", crash)  # the copy's, into place (model/fs.py)
    with pytest.raises(OSError):
        rewrite_lines(str(path), upper_b)
    assert path.read_bytes() == b"b1\n" and os.listdir(tmp_path) == ["t.jsonl"]


def test_a_file_that_grows_while_it_is_read_is_left_alone(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"b1\n")

    def change_and_append(line: bytes) -> bytes:
        if line == b"b1":  # once: the run goes on writing after the reader's last read
            with open(path, "ab") as more:
                more.write(b"b2")
        return upper_b(line)

    with pytest.raises(TraceError, match="changed while it was being rewritten"):
        rewrite_lines(str(path), change_and_append)
    assert path.read_bytes() == b"b1\nb2" and os.listdir(tmp_path) == ["t.jsonl"]


def test_a_temporary_a_killed_rewrite_left_is_removed_by_the_next_however_new_and_a_held_one_is_kept(tmp_path):
    import fcntl  # noqa: PLC0415 - the locks are a POSIX matter

    path = tmp_path / "t.jsonl"
    path.write_bytes(b"b1\n")
    left = tmp_path / ".t.jsonl.0123456789abcdef.tmp"  # as model/fs.py names it; its writer's lock went with it
    older = tmp_path / ".t.jsonl.k1ll3d_x.tmp"  # as mkstemp named it, in an earlier version
    held = tmp_path / ".t.jsonl.1111111111111111.tmp"  # a live rewrite's, locked while it writes
    # just left: rewrites of one file take turns under the trace's lock, so an unlocked one is a killed rewrite's
    young = tmp_path / ".t.jsonl.2222222222222222.tmp"
    other = tmp_path / ".u.jsonl.3333333333333333.tmp"  # another file's: not this rewrite's to judge
    for made in (left, older, held, young, other):
        made.write_bytes(b"half a copy")
    for old in (left, older, held, other):
        os.utime(old, (0, 0))
    holder = os.open(held, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        assert rewrite_lines(str(path), upper_b) == 1
    finally:
        os.close(holder)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([held.name, other.name, "t.jsonl"])
