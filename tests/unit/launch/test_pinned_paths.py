"""launch/pinned.py: a path resolved once, and used only while it still names what was resolved."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from namel3ss_debug.launch.pinned import Changed, enter, pin, read_pinned


def test_a_link_is_pinned_by_the_name_and_identity_of_what_it_reached(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "app.py").write_text("print('hi')\n")
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    pinned = pin(tmp_path / "alias" / "app.py")
    assert pinned.path == tmp_path / "real" / "app.py"
    assert (pinned.device, pinned.inode) == (os.stat(tmp_path / "real" / "app.py").st_dev,
                                             os.stat(tmp_path / "real" / "app.py").st_ino)
    assert read_pinned(pinned) == b"print('hi')\n"


def test_a_file_replaced_after_it_was_pinned_is_not_read(tmp_path):
    app = tmp_path / "app.py"
    app.write_text("print('checked')\n")
    pinned = pin(app)
    (tmp_path / "other.py").write_text("print('not checked')\n")
    os.replace(tmp_path / "other.py", app)
    with pytest.raises(Changed, match=f"{app} changed after the rerun checked it") as refused:
        read_pinned(pinned)
    assert refused.value.exit_code == 2


def test_the_pinned_folder_is_entered_and_a_folder_swapped_for_a_link_is_not(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "agents").mkdir()
    (tmp_path / "outside").mkdir()
    pinned = pin(tmp_path / "agents")
    enter(pinned)
    assert os.getcwd() == str(tmp_path / "agents")
    os.chdir(tmp_path)
    os.rename(tmp_path / "agents", tmp_path / "agents.old")
    (tmp_path / "agents").symlink_to(tmp_path / "outside")
    with pytest.raises(Changed):
        enter(pinned)
    assert Path.cwd() == tmp_path


def test_a_pinned_path_that_is_gone_is_changed_not_an_os_error(tmp_path):
    (tmp_path / "app.py").write_text("")
    pinned = pin(tmp_path / "app.py")
    (tmp_path / "app.py").unlink()
    with pytest.raises(Changed):
        read_pinned(pinned)
