"""`run_index_url`: a PostgreSQL URL from the environment or the workspace file, never with a password in the
file (refused; a traced app's lenient load leaves it out), and always shown with its password masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from namel3ss_debug.config import load_settings
from namel3ss_debug.model.errors import ConfigError


def workspace(tmp_path: Path, url: str) -> Path:
    (tmp_path / ".namel3ss").mkdir()
    (tmp_path / ".namel3ss" / "debug.json").write_text(json.dumps({"run_index_url": url}))
    return tmp_path


def test_a_url_without_password_in_the_workspace_file_is_the_index(tmp_path: Path) -> None:
    resolved = load_settings({}, workspace(tmp_path, "postgresql://ci@db.internal:5432/runs"))
    assert resolved.settings.run_index_url == "postgresql://ci@db.internal:5432/runs"


@pytest.mark.parametrize("url", ["postgresql://ci:s3cret@db.internal/runs",
                                 "postgresql://ci@db.internal/runs?sslmode=require&password=s3cret"])
def test_a_password_in_the_workspace_file_is_refused_without_showing_it(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({}, workspace(tmp_path, url))
    said = str(refused.value)
    assert "a URL with a password in a workspace file" in said and "PGPASSWORD" in said and "s3cret" not in said


def test_a_traced_apps_lenient_load_leaves_a_password_url_of_the_file_out(tmp_path: Path) -> None:
    resolved = load_settings({}, workspace(tmp_path, "postgresql://ci:s3cret@db.internal/runs"), lenient=True)
    assert resolved.settings.run_index_url == "" and "s3cret" not in " ".join(resolved.ignored)


def test_a_password_in_the_environment_is_taken_and_shown_masked(tmp_path: Path) -> None:
    resolved = load_settings({"NAMEL3SS_DEBUG_RUN_INDEX_URL": "postgresql://ci:s3cret@db/runs"}, tmp_path)
    assert resolved.settings.run_index_url == "postgresql://ci:s3cret@db/runs"
    assert resolved.settings.to_dict()["run_index_url"] == "postgresql://ci:****@db/runs"


def test_a_url_of_another_database_is_an_error_that_masks_its_password(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"NAMEL3SS_DEBUG_RUN_INDEX_URL": "mysql://ci:s3cret@db/runs"}, tmp_path)
    assert "postgresql://" in str(refused.value) and "s3cret" not in str(refused.value)
