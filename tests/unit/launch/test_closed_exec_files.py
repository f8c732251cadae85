"""What `launch/closed_exec.py` writes for the command that started it (how its network was closed) goes through
model/fs.py: a link at the file's name is replaced, never written through, and one read back must be a regular
file of ours."""

from __future__ import annotations

from namel3ss_debug.launch.closed_exec import EXEC, GUARD, _write, read_how
from support.hostile import Victim


def test_how_it_ran_replaces_a_link_at_its_name(tmp_path):
    victim = Victim.made(tmp_path / "victim", files=2)
    how_file = tmp_path / "network"
    how_file.symlink_to(victim.file)
    _write(how_file, f"{GUARD}: no network namespace")
    victim.assert_untouched()
    assert read_how(how_file) == (GUARD, "no network namespace")


def test_a_link_read_back_is_not_how_it_ran(tmp_path):
    victim = Victim.made(tmp_path / "victim", files=2)
    (victim.root / "planted").write_text("namespace: planted\n")
    (tmp_path / "network").symlink_to(victim.root / "planted")
    assert read_how(tmp_path / "network") == (EXEC, "the command was not started")
