"""Writing a file the user named (model/outputs.py): at each hostile layout of the kit (support/hostile.py) the
output is put in place, written through (a pipe, a device, a descriptor's name) or refused in one line, and the
victim's files stay as they were."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from namel3ss_debug.model.fs import ABANDONED_AFTER_S, Refused
from namel3ss_debug.model.outputs import output_temporaries, write_output
from support.hangguard import bounded
from support.hostile import LAYOUTS, Victim, plant


@pytest.fixture
def victim(tmp_path: Path) -> Victim:
    return Victim.made(tmp_path / "victim", files=20)


def written(path: Path, data: bytes = b"ours") -> None:
    with bounded(60):
        write_output(path, lambda out: out.write(data))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_an_output_at_each_hostile_layout_is_put_in_place_written_through_or_one_refusal(layout, tmp_path, victim):
    """A link to a file is replaced (its target never written); a device is written through (what it does with
    the bytes is its own: /dev/zero drops them); a FIFO nobody reads, a directory, another user's file are one
    `Refused` line naming the path."""
    out = tmp_path / "out.html"
    plant(layout, out, victim)
    outcome = {"link_to_file": None, "device": None, "fifo": "has no reader", "link_to_foreign_dir": "is a directory",
               "readonly_dir": "is a directory", "foreign_file": "belongs to another user"}[layout]
    if outcome is None:
        written(out)
    else:
        with pytest.raises(Refused, match=outcome) as refused:
            written(out)
        assert str(refused.value).startswith(f"{out}: ") and "\n" not in str(refused.value)
    if layout == "link_to_file":
        assert not out.is_symlink() and out.read_bytes() == b"ours"
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []
    victim.assert_untouched()


def test_an_output_replaces_a_link_to_nowhere_and_leaves_where_it_pointed_empty(tmp_path):
    (tmp_path / "out.json").symlink_to(tmp_path / "made-there.json")
    written(tmp_path / "out.json")
    assert (tmp_path / "out.json").read_bytes() == b"ours" and not (tmp_path / "made-there.json").exists()


def test_an_output_a_fifo_someone_reads_gets_every_byte_in_blocking_mode(tmp_path):
    """Opened without waiting, then written as usual: more than a pipe holds (1 MiB) reaches a slow reader."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = os.urandom(1 << 20)
    reader = subprocess.Popen([sys.executable, "-c", "import sys, time; time.sleep(0.2); "
                               "sys.stdout.buffer.write(open(sys.argv[1], 'rb').read())", str(fifo)],
                              stdout=subprocess.PIPE)
    try:
        with bounded(60):
            while True:  # the reader opens the FIFO when it is ready: until then there is no reader
                try:
                    write_output(fifo, lambda out: out.write(data))
                    break
                except Refused:
                    continue
        assert reader.communicate(timeout=60)[0] == data
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="/dev/fd leads through /proc on Linux only")
def test_an_output_named_by_a_descriptor_is_added_to_the_file_the_shell_opened(tmp_path):
    """`-o /dev/stdout > log` or `>> log`: the file the descriptor leads to is written where it is (added to),
    never replaced, and nothing is made in /dev or /proc."""
    log = tmp_path / "log"
    log.write_bytes(b"before\n")
    with open(log, "ab") as shell:
        written(Path(f"/dev/fd/{shell.fileno()}"))
        written(Path(f"/proc/self/fd/{shell.fileno()}"), b"again")
    assert log.read_bytes() == b"before\noursagain"
    assert os.listdir(tmp_path) == ["log"]


def test_an_output_gets_the_mode_the_umask_gives(tmp_path):
    previous = os.umask(0o027)
    try:
        written(tmp_path / "out.xml")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out.xml").stat().st_mode) == 0o640


def test_an_outputs_abandoned_temporaries_are_removed_and_a_live_writers_kept(tmp_path):
    """A write killed before its rename leaves `.NAME.RANDOM.tmp` (or an earlier version's `.NAME.XXXXXXXX.tmp`);
    the next write of NAME removes those no process holds locked once they are `ABANDONED_AFTER_S` old."""
    names = [f".out.json.{'a' * 16}.tmp", ".out.json.k3j9x_2q.tmp",
             ".other.json.k3j9x_2q.tmp", ".out.json.K3J9X_2Q.tmp"]
    for name in names:
        (tmp_path / name).write_bytes(b"{")
        os.utime(tmp_path / name, (0, 0))
    held = tmp_path / f".out.json.{'b' * 16}.tmp"
    held.write_bytes(b"{")
    os.utime(held, (0, 0))
    with open(held, "rb") as writer:
        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)  # as a live writer holds it from creation to rename
        written(tmp_path / "out.json")
    assert sorted(os.listdir(tmp_path)) == sorted([held.name, *names[2:], "out.json"])
    assert output_temporaries("out.json").fullmatch(names[0]) and ABANDONED_AFTER_S > 0
