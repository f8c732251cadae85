"""tracer/project.py: the project root a recording's relative paths are written against."""

from __future__ import annotations

from pathlib import Path

from namel3ss_debug.tracer.project import find_root, located


def tree(root: Path, *files: str) -> Path:
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    return root


def test_the_git_checkouts_top_wins_over_a_workspace_inside_it(tmp_path):
    (tmp_path / ".git").mkdir()
    tree(tmp_path, "app/.namel3ss/debug.json", "app/agents/run.py")
    assert find_root(tmp_path / "app" / "agents") == (tmp_path, ".git")


def test_a_workspace_root_is_the_project_without_git(tmp_path):
    tree(tmp_path, "app/.namel3ss/debug.json", "app/agents/run.py")
    assert find_root(tmp_path / "app" / "agents") == (tmp_path / "app", ".namel3ss/debug.json")


def test_a_git_file_marks_a_worktree_or_submodule(tmp_path):
    tree(tmp_path, ".git", "sub/x.py")
    assert find_root(tmp_path / "sub", (".git",)) == (tmp_path, ".git")


def test_a_script_in_a_folder_is_recorded_relative_to_the_root_with_the_folder_as_cwd(tmp_path):
    (tmp_path / ".git").mkdir()
    tree(tmp_path, "agents/run.py")
    entry, project = located(tmp_path / "agents", {"kind": "script", "path": str(tmp_path / "agents" / "run.py")},
                             ["run.py"])
    assert entry["project_path"] == "agents/run.py"
    assert project == {"root": str(tmp_path.resolve()), "marker": ".git", "cwd": "agents"}


def test_a_script_outside_the_project_gets_no_relative_path(tmp_path):
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    tree(tmp_path, "elsewhere/tool.py")
    entry, project = located(tmp_path / "repo", {"kind": "script", "path": str(tmp_path / "elsewhere" / "tool.py")},
                             ["../elsewhere/tool.py"])
    assert "project_path" not in entry and project["cwd"] == "."


def test_python_started_app_is_found_by_its_argv0_and_a_module_has_no_file(tmp_path):
    tree(tmp_path, ".namel3ss/debug.json", "app.py")
    entry, _ = located(tmp_path, {"kind": "python", "name": "app.py"}, ["app.py"])
    assert entry["project_path"] == "app.py"
    entry, _ = located(tmp_path, {"kind": "module", "module": "pkg"}, ["pkg"])
    assert "project_path" not in entry


def test_no_marker_records_the_working_directory_as_the_root_with_no_marker(tmp_path):
    found = find_root(tmp_path)
    if found is not None:  # the machine's temporary directory is inside a checkout or workspace: nothing to show
        return
    _, project = located(tmp_path, {"kind": "module", "module": "pkg"}, ["pkg"])
    assert project == {"root": str(tmp_path.resolve()), "marker": None, "cwd": "."}
