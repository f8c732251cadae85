"""The one way to touch a file whose name the tool chose (model/fs.py): no link followed, no FIFO or device waited
on, private directories that are the user's, unguessable temporaries, and only names of our shape removed; each
hostile layout of the kit (support/hostile.py) ends with one `Refused` line or a documented fallback, and leaves
the victim's files as they were."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from namel3ss_debug.model.fs import (TEMPORARY, Folder, Refused, private_temporary_folder, read_beside, remove_beside,
                                     replace_beside)
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
