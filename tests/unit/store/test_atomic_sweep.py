"""An interrupted `replace_file` leaves `.NAME.XXXXXXXX.tmp`; `remove_stale_temporaries` removes it for the
next writer of NAME (issue 76), and only it: a live writer's temporary (its lock held), one of another user,
a link, a young one, or another name is left alone."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

from namel3ss_debug.store.atomic import STALE_AFTER_S, remove_stale_temporaries, replace_file


def later() -> float:
    """The sweep's clock: long enough after every file made so far."""
    return time.time() + STALE_AFTER_S + 1


def leftover(directory: Path, name: str = ".out.json.k3j9x_2q.tmp") -> Path:
    temporary = directory / name
    temporary.write_bytes(b'{"traceEvents": [')
    return temporary


def test_an_abandoned_temporary_is_removed(tmp_path: Path) -> None:
    temporary = leftover(tmp_path)
    assert remove_stale_temporaries(tmp_path / "out.json", now=later()) == [temporary]
    assert not temporary.exists()


def test_one_whose_writer_holds_its_lock_is_kept(tmp_path: Path) -> None:
    temporary = leftover(tmp_path)
    with open(temporary, "rb") as writer:
        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)  # as replace_file holds it from creation to rename
        assert remove_stale_temporaries(tmp_path / "out.json", now=later()) == []
    assert temporary.exists()


def test_a_young_one_is_kept_whatever_its_lock(tmp_path: Path) -> None:
    temporary = leftover(tmp_path)
    assert remove_stale_temporaries(tmp_path / "out.json", now=time.time()) == []
    assert temporary.exists()


@pytest.mark.parametrize("name", [".out.json.k3j9x_2.tmp", ".out.json.K3J9X_2Q.tmp", "out.json.k3j9x_2q.tmp",
                                  ".out.json.k3j9x_2q.tmp.keep", ".other.json.k3j9x_2q.tmp", ".out.jsonXk3j9x_2q.tmp"])
def test_other_names_are_kept(tmp_path: Path, name: str) -> None:
    kept = leftover(tmp_path, name)
    assert remove_stale_temporaries(tmp_path / "out.json", now=later()) == []
    assert kept.exists()


def test_a_link_of_that_name_is_kept_and_so_is_its_target(tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    link = tmp_path / ".out.json.k3j9x_2q.tmp"
    link.symlink_to(target)
    assert remove_stale_temporaries(tmp_path / "out.json", now=later()) == []
    assert link.is_symlink() and target.read_text() == "keep me"


def test_a_directory_of_that_name_is_kept(tmp_path: Path) -> None:
    (tmp_path / ".out.json.k3j9x_2q.tmp").mkdir()
    assert remove_stale_temporaries(tmp_path / "out.json", now=later()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_another_users_temporary_is_kept(tmp_path: Path) -> None:
    temporary = leftover(tmp_path)
    os.chown(temporary, 65534, 65534)
    assert remove_stale_temporaries(tmp_path / "out.json", now=later()) == []
    assert temporary.exists()


def test_a_missing_directory_removes_nothing_and_raises_nothing(tmp_path: Path) -> None:
    assert remove_stale_temporaries(tmp_path / "gone" / "out.json", now=later()) == []


def test_replace_file_holds_the_lock_until_its_rename(tmp_path: Path) -> None:
    target = tmp_path / "out.json"

    def write(stream) -> None:
        stream.write(b"{}")
        (temporary,) = tmp_path.glob(".out.json.*.tmp")
        assert remove_stale_temporaries(target, now=later()) == []  # its writer is this one, still at work

    replace_file(target, write)
    assert target.read_bytes() == b"{}" and not list(tmp_path.glob(".*.tmp"))
