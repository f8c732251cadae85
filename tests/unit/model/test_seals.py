"""Which trace files were written here (model/seals.py): a keyed digest of each file the tracer closed, noted in the
user's state directory; another user's file, an edited one, or a key others could read, is not written here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from namel3ss_debug.model.seals import KEY_NAME, SEALED, Seals, state_directory
from namel3ss_debug.tracer.writer import RotatingJsonlWriter
from support.hangguard import bounded
from support.hostile import Victim, plant, plant_directory_layout


def environ(home: Path) -> dict[str, str]:
    return {"HOME": str(home)}


def written(directory: Path, home: Path, lines: int = 3, max_events: int = 0) -> list[Path]:
    writer = RotatingJsonlWriter(directory, "run", max_events=max_events, seals=Seals.of(environ(home)))
    for number in range(lines):
        line = b'{"seq": %d}\n' % number
        if writer.should_rotate(len(line)):
            writer.rotate()  # as the recorder rotates
        writer.append(line)
    writer.close()
    return writer.paths


def test_the_state_directory_follows_xdg_then_home():
    assert state_directory({"XDG_STATE_HOME": "/s", "HOME": "/h"}) == Path("/s/namel3ss-debug")
    assert state_directory({"HOME": "/h"}) == Path("/h/.local/state/namel3ss-debug")
    assert state_directory({}) is None


def test_every_segment_the_writer_closed_is_written_here(tmp_path):
    paths = written(tmp_path / "traces", tmp_path / "home", lines=5, max_events=2)
    assert len(paths) == 3
    assert Seals.of(environ(tmp_path / "home"), make=False).written_here(paths)


def test_the_key_is_private_and_the_notes_hold_no_text(tmp_path):
    written(tmp_path / "traces", tmp_path / "home")
    state = state_directory(environ(tmp_path / "home"))
    assert (state / KEY_NAME).stat().st_mode & 0o777 == 0o600
    (note,) = (state / SEALED).iterdir()
    assert note.stat().st_size == 0 and len(note.name) == 64


def test_a_file_changed_by_one_byte_is_not_written_here(tmp_path):
    (path,) = written(tmp_path / "traces", tmp_path / "home")
    path.write_bytes(path.read_bytes().replace(b"1", b"7"))
    assert not Seals.of(environ(tmp_path / "home"), make=False).written_here([path])


def test_another_users_file_is_not_written_here(tmp_path):
    (path,) = written(tmp_path / "traces", tmp_path / "stranger")
    assert not Seals.of(environ(tmp_path / "mine")).written_here([path])


def test_no_file_at_all_is_not_written_here(tmp_path):
    assert not Seals.of(environ(tmp_path / "home")).written_here([])
    assert not Seals.of(environ(tmp_path / "home")).written_here([tmp_path / "missing.jsonl"])


@pytest.mark.parametrize("mode", [0o644, 0o660])
def test_a_key_others_may_read_or_write_is_not_used(tmp_path, mode):
    (path,) = written(tmp_path / "traces", tmp_path / "home")
    key = state_directory(environ(tmp_path / "home")) / KEY_NAME
    key.chmod(mode)
    assert Seals.of(environ(tmp_path / "home")) is None  # a planted or shared key vouches for nothing


def test_a_key_that_is_a_link_is_not_followed(tmp_path):
    (path,) = written(tmp_path / "traces", tmp_path / "home")
    key = state_directory(environ(tmp_path / "home")) / KEY_NAME
    elsewhere = tmp_path / "elsewhere.key"
    key.rename(elsewhere)
    key.symlink_to(elsewhere)
    assert Seals.of(environ(tmp_path / "home")) is None


def test_a_file_cut_back_by_the_writer_is_not_noted(tmp_path):
    writer = RotatingJsonlWriter(tmp_path / "traces", "run", seals=Seals.of(environ(tmp_path / "home")))
    for number in range(3):
        writer.append(b'{"seq": %d}\n' % number)
    writer.flush()
    assert writer._cut_back(1)  # a full disk's end: the last whole line cut from the file
    writer.close()
    assert not Seals.of(environ(tmp_path / "home"), make=False).written_here(writer.paths)


def test_without_a_home_nothing_is_sealed_and_the_writer_still_writes(tmp_path):
    assert Seals.of({}) is None
    writer = RotatingJsonlWriter(tmp_path, "run", seals=None)
    writer.append(b"{}\n")
    writer.close()
    assert writer.paths[0].read_bytes() == b"{}\n"


def test_two_processes_making_the_key_agree(tmp_path):
    home = tmp_path / "home"
    pid = os.fork()
    if pid == 0:
        os._exit(0 if Seals.of(environ(home)) is not None else 1)
    mine = Seals.of(environ(home))
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    (path,) = written(tmp_path / "traces", home)
    assert mine is not None and mine.written_here([path])


@pytest.mark.parametrize("layout", ["link_to_file", "fifo", "device", "foreign_file"])
def test_a_key_somebody_else_put_in_place_is_never_used_or_waited_on(layout, tmp_path):
    victim = Victim.made(tmp_path / "victim", files=3)
    plant(layout, state_directory(environ(tmp_path / "home")) / KEY_NAME, victim)
    with bounded(60):
        assert Seals.of(environ(tmp_path / "home")) is None
    victim.assert_untouched()


@pytest.mark.parametrize("layout", ["link_to_file", "link_to_foreign_dir", "foreign_file"])
def test_a_state_folder_that_is_not_ours_holds_no_key_and_no_note(layout, tmp_path):
    victim = Victim.made(tmp_path / "victim", files=3)
    plant_directory_layout(layout, state_directory(environ(tmp_path / "home")), victim)
    assert Seals.of(environ(tmp_path / "home")) is None
    victim.assert_untouched()


@pytest.mark.parametrize("layout", ["link_to_file", "link_to_foreign_dir", "foreign_file"])
def test_notes_in_a_folder_that_is_not_ours_are_neither_made_nor_believed(layout, tmp_path):
    home = tmp_path / "home"
    seals = Seals.of(environ(home))
    victim = Victim.made(tmp_path / "victim", files=3)
    plant_directory_layout(layout, state_directory(environ(home)) / SEALED, victim)
    paths = written(tmp_path / "traces", home)
    assert not seals.written_here(paths)
    victim.assert_untouched()
