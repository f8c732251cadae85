"""The rerun console's `edit` (`shell/editor.py`): the editor changes the answer in a private temporary folder held
open by this process, reached through its descriptor; what it saved is read back through that folder, never by its
name, and a folder another user put at the name in a shared `TMPDIR` is refused, not read."""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from pathlib import Path

import pytest

from namel3ss_debug.launch.call_stops import AnswerError
from namel3ss_debug.shell.editor import edit_text

# An "editor": notes the path it was given and the modes of the file and its folder, saves `{"city": "Oslo"}` by
# writing a new file and renaming it over the old (as vim does), and leaves a backup (as Emacs does).
EDITOR = """
import json, os, stat, sys
path, notes = sys.argv[-1], sys.argv[1]
with open(notes, "w") as out:
    json.dump({"path": path, "before": open(path).read(), "file": stat.S_IMODE(os.stat(path).st_mode),
               "folder": stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode)}, out)
os.replace(path, path + "~")
with open(path + ".new", "w") as out:
    out.write('{"city": "Oslo"}')
os.replace(path + ".new", path)
"""

# An editor that saves, after which another user renames every entry of the shared TMPDIR and puts theirs at its
# name: a folder with an answer of theirs, or a file of theirs.
SAVED_THEN_SWAPPED = """
import os, sys
path, shared = sys.argv[-1], sys.argv[1]
with open(path, "w") as out:
    out.write('{"city": "Oslo"}')
for name in os.listdir(shared):
    at = os.path.join(shared, name)
    os.rename(at, os.path.join(shared, "moved-" + name))
    if os.path.isdir(os.path.join(shared, "moved-" + name)):
        os.mkdir(at)
        at = os.path.join(at, "answer.json")
    with open(at, "w") as out:
        out.write('{"city": "planted"}')
"""


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary directory: everyone's, without the sticky bit."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o777)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_the_editor_changes_the_answer_in_a_private_folder_reached_through_its_descriptor_then_removed(
        tmp_path: Path, shared: Path) -> None:
    notes = tmp_path / "notes.json"
    assert edit_text('{"city": "Paris"}\n', [sys.executable, "-c", EDITOR, str(notes)]) == '{"city": "Oslo"}'
    seen = json.loads(notes.read_text())
    assert seen["before"] == '{"city": "Paris"}\n' and (seen["file"], seen["folder"]) == (0o600, 0o700)
    if sys.platform.startswith("linux"):
        assert seen["path"].startswith(f"/proc/{os.getpid()}/fd/") and seen["path"].endswith("/answer.json")
    assert list(shared.iterdir()) == []  # the answer, the editor's backup and the folder removed


def test_a_folder_put_at_the_name_while_editing_is_refused_and_never_read(tmp_path: Path, shared: Path) -> None:
    with pytest.raises(AnswerError, match="was replaced by another while you edited"):
        edit_text('{"city": "Paris"}\n', [sys.executable, "-c", SAVED_THEN_SWAPPED, str(shared)])
    planted = [path for path in shared.iterdir() if not path.name.startswith("moved-")]
    assert len(planted) == 1
    theirs = planted[0] / "answer.json" if planted[0].is_dir() else planted[0]
    assert theirs.read_text() == '{"city": "planted"}'  # left as it was
    [moved] = [path for path in shared.iterdir() if path.name.startswith("moved-")]
    assert stat.S_ISDIR(os.lstat(moved).st_mode) and list(moved.iterdir()) == []  # ours, emptied through its fd


def test_an_editor_that_fails_is_an_answer_error_and_leaves_no_folder(shared: Path) -> None:
    with pytest.raises(AnswerError, match="exited with status 3"):
        edit_text("{}\n", [sys.executable, "-c", "raise SystemExit(3)"])
    assert list(shared.iterdir()) == []


def test_an_editor_that_removes_the_answer_is_one_answer_error(shared: Path) -> None:
    with pytest.raises(AnswerError, match="left no answer.json"):
        edit_text("{}\n", [sys.executable, "-c", "import os, sys; os.unlink(sys.argv[-1])"])
    assert list(shared.iterdir()) == []
