"""The one way to touch a file whose name the tool chose (model/fs.py): no link followed, no FIFO or device waited
on, private directories that are the user's, unguessable temporaries, and only names of our shape removed; each
hostile layout of the kit (support/hostile.py) ends with one `Refused` line or a documented fallback, and leaves
the victim's files as they were."""

from __future__ import annotations

import fcntl
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from namel3ss_debug.model.fs import (ABANDONED_AFTER_S, TEMPORARY, Folder, Refused, output_temporaries,
                                     private_temporary_folder, read_beside, remove_beside, replace_beside,
                                     write_output)
from support.hangguard import bounded
from support.hostile import LAYOUTS, Victim, plant, plant_directory_layout
from support.privileges import unprivileged

ENTRY = re.compile(r"[0-9a-f]{4}")


@pytest.fixture
def victim(tmp_path: Path) -> Victim:
    return Victim.made(tmp_path / "victim", files=20)


@pytest.mark.parametrize("layout", [layout for layout in LAYOUTS if layout != "readonly_dir"])
def test_a_file_at_a_name_we_chose_is_read_only_when_it_is_a_regular_file_of_ours(layout, tmp_path, victim):
    plant(layout, tmp_path / "cache" / "abcd", victim)
    with Folder.open(tmp_path / "cache") as folder, pytest.raises(Refused) as refused:
        folder.read("abcd", limit=1 << 20)
    assert str(refused.value).startswith(f"{tmp_path / 'cache' / 'abcd'}: ")
    assert "\n" not in str(refused.value)
    victim.assert_untouched()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_file_replaced_at_a_name_we_chose_never_reaches_what_was_there(layout, tmp_path, victim):
    plant(layout, tmp_path / "cache" / "abcd", victim)
    with Folder.open(tmp_path / "cache") as folder:
        if layout == "readonly_dir":
            with pytest.raises(Refused, match="is a directory"):
                folder.replace("abcd", lambda out: out.write(b"ours"))
        else:
            folder.replace("abcd", lambda out: out.write(b"ours"))
            assert folder.read("abcd", limit=10) == b"ours"
            assert stat.S_IMODE(os.lstat(tmp_path / "cache" / "abcd").st_mode) == 0o600
    victim.assert_untouched()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_private_folder_at_a_name_we_chose_is_refused_unless_it_is_a_directory_of_ours(layout, tmp_path, victim):
    plant_directory_layout(layout, tmp_path / "cache" / "results", victim)
    if layout == "readonly_dir":  # ours, with the wrong mode: made private again
        with Folder.open(tmp_path / "cache" / "results", private=True) as folder:
            assert stat.S_IMODE(os.fstat(folder.fd).st_mode) == 0o700
    else:
        with pytest.raises(Refused) as refused:
            Folder.open(tmp_path / "cache" / "results", make=True, private=True)
        assert str(refused.value).startswith(str(tmp_path / "cache" / "results"))
    victim.assert_untouched()


def test_a_private_folder_is_made_0700(tmp_path):
    with Folder.open(tmp_path / "a" / "results", make=True, private=True) as folder:
        assert stat.S_IMODE(os.fstat(folder.fd).st_mode) == 0o700
        with folder.folder("inner", make=True) as inner:
            assert stat.S_IMODE(os.fstat(inner.fd).st_mode) == 0o700


def test_a_folder_the_user_named_is_followed_but_a_name_in_it_is_not(tmp_path, victim):
    (tmp_path / "named").symlink_to(victim.root, target_is_directory=True)
    (victim.root / "trace.jsonl.idx").symlink_to(victim.file)
    with Folder.open(tmp_path / "named", follow=True) as folder, pytest.raises(Refused, match="symbolic link"):
        folder.read("trace.jsonl.idx", limit=100)


def test_only_regular_files_of_our_shape_and_ours_are_removed(tmp_path, victim):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "aaaa").write_bytes(b"ours")
    (cache / "bbbb").symlink_to(victim.file)
    (cache / "cccc").symlink_to(tmp_path / "nowhere")  # dangling
    os.mkfifo(cache / "dddd")
    (cache / "notes.txt").write_bytes(b"the user's")
    with Folder.open(cache) as folder:
        removed = [name for name in sorted(folder.names(ENTRY)) if folder.remove(name, ENTRY)]
        with pytest.raises(ValueError):
            folder.remove("notes.txt", ENTRY)
    assert removed == ["aaaa"]
    assert sorted(os.listdir(cache)) == ["bbbb", "cccc", "dddd", "notes.txt"]
    victim.assert_untouched()


def test_a_large_file_is_refused_after_reading_no_more_than_the_limit(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * 1000)
    with Folder.open(tmp_path) as folder, pytest.raises(Refused, match="larger than 999 bytes"):
        folder.read("big", limit=999)


def test_a_replace_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    (tmp_path / "out").write_bytes(b"old")

    def fail(stream):
        stream.write(b"half")
        raise RuntimeError("stopped")

    with Folder.open(tmp_path) as folder, pytest.raises(RuntimeError):
        folder.replace("out", fail)
    assert os.listdir(tmp_path) == ["out"]
    assert (tmp_path / "out").read_bytes() == b"old"


def test_temporaries_have_unguessable_names_and_are_swept_only_when_abandoned(tmp_path):
    with Folder.open(tmp_path) as folder:
        names = {folder.temporary("out")[0] for _ in range(3)}
        assert len(names) == 3 and all(TEMPORARY.fullmatch(name) for name in names)
        alive, stream = folder.temporary("live")
        old = 1e12
        for name in os.listdir(tmp_path):
            os.utime(tmp_path / name, (0, 0))
        swept = folder.remove_abandoned(now=old)
        stream.close()
    assert alive not in swept and sorted(swept) == sorted(names)


def test_a_private_temporary_folder_is_the_one_made_whatever_is_put_at_its_name(tmp_path):
    folder = private_temporary_folder("parts-", parent=tmp_path)
    os.rename(folder.path, tmp_path / "moved")
    (tmp_path / folder.path.name).mkdir()  # a stranger's directory at the name
    (tmp_path / folder.path.name / "part-0").write_bytes(b"theirs")
    with folder:
        folder.replace("part-0", lambda out: out.write(b"ours"))
        assert folder.read("part-0", limit=10) == b"ours"
    assert (tmp_path / "moved" / "part-0").read_bytes() == b"ours"
    assert stat.S_IMODE(os.lstat(tmp_path / "moved").st_mode) == 0o700


def test_read_beside_follows_the_folder_only(tmp_path, victim):
    (tmp_path / "trace.jsonl.idx").symlink_to(victim.file)
    with pytest.raises(Refused):
        read_beside(tmp_path / "trace.jsonl.idx", limit=100)
    assert read_beside(tmp_path / "missing.idx", limit=100) is None
    replace_beside(tmp_path / "trace.jsonl.idx", lambda out: out.write(b"{}"))
    assert read_beside(tmp_path / "trace.jsonl.idx", limit=100) == b"{}"
    assert remove_beside(tmp_path / "trace.jsonl.idx", re.compile(r".+\.idx"))
    victim.assert_untouched()


def test_a_directory_without_write_permission_is_one_refusal_for_an_unprivileged_user(tmp_path):
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("root without setpriv")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    locked.chmod(0o555)
    code = ("import sys; from namel3ss_debug.model.fs import replace_beside\n"
            "try:\n    replace_beside(sys.argv[1], lambda out: out.write(b'x'))\n"
            "except OSError as error:\n    print(type(error).__name__, error.errno)\n")
    done = subprocess.run([*prefix, sys.executable, "-c", code, str(locked / "out")], capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.split() == ["PermissionError", "13"], done.stderr
    assert os.listdir(locked) == []


# ---------------------------------------------------------------- outputs the user named (write_output)


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


def test_a_replace_holds_its_temporarys_lock_until_the_rename(tmp_path, monkeypatch):
    """While it is written and when it is renamed, the temporary is locked: a sweep never takes a finished one for
    abandoned, however long its write took."""
    rename = os.rename
    locked_at_rename = []

    def renaming(source, target, **where):
        with Folder.open(tmp_path) as other:
            locked_at_rename.append(not other._abandoned(source, before=1e12))
        rename(source, target, **where)

    def write(stream) -> None:
        stream.write(b"{}")
        with Folder.open(tmp_path) as other:
            assert other.remove_abandoned(now=1e12) == []  # its writer is this one, still at work

    monkeypatch.setattr(os, "rename", renaming)
    with Folder.open(tmp_path) as folder:
        folder.replace("out.json", write)
    assert locked_at_rename == [True]
    assert os.listdir(tmp_path) == ["out.json"] and (tmp_path / "out.json").read_bytes() == b"{}"
