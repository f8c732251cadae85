"""Which workspace files found upwards are believed (`config/trust.py`), as `load_settings` applies it: the
CLI's strict load says an ignored file in `warnings`, a traced app's lenient load in `ignored`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli
from namel3ss_debug.config import load_settings
from namel3ss_debug.config.document import read_json_document
from namel3ss_debug.config.trust import stranger_problem
from namel3ss_debug.model.errors import ConfigError

IS_ROOT = os.geteuid() == 0


def plant(directory: Path, mode: int = 0o644) -> Path:
    path = directory / ".namel3ss" / "debug.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"redact": False}), encoding="utf-8")
    path.chmod(mode)
    return path


def test_the_working_directorys_own_file_is_believed_without_a_checkout(tmp_path: Path) -> None:
    plant(tmp_path)
    assert load_settings({}, tmp_path).settings.redact is False


def test_a_file_writable_by_others_is_ignored_with_one_warning(tmp_path: Path) -> None:
    plant(tmp_path, 0o666)
    resolved = load_settings({}, tmp_path)
    (warning,) = resolved.warnings
    assert resolved.settings.redact is True and resolved.workspace_file is None
    assert warning.startswith(".namel3ss/debug.json is ignored: it is writable by others (mode 666)")


def test_a_lenient_load_says_it_in_ignored(tmp_path: Path) -> None:
    plant(tmp_path, 0o666)
    resolved = load_settings({}, tmp_path, lenient=True)
    assert resolved.settings.redact is True and len(resolved.ignored) == 1 and "is ignored" in resolved.ignored[0]


@pytest.mark.skipif(not IS_ROOT, reason="giving a file to another group needs root")
def test_a_file_writable_by_a_group_not_your_own_is_ignored(tmp_path: Path) -> None:
    path = plant(tmp_path, 0o664)
    os.chown(path, 0, 65534)
    (warning,) = load_settings({}, tmp_path).warnings
    assert "writable by group 65534 (mode 664)" in warning


@pytest.mark.parametrize("trusted", ["*", "{shared}", "{shared}/.namel3ss/debug.json"])
def test_the_trust_variable_believes_a_parents_file(tmp_path: Path, trusted: str) -> None:
    plant(tmp_path / "shared")
    cwd = tmp_path / "shared" / "here"
    cwd.mkdir()
    environ = {"NAMEL3SS_DEBUG_TRUST": trusted.format(shared=tmp_path / "shared")}
    resolved = load_settings(environ, cwd)
    assert (resolved.settings.redact, resolved.warnings) == (False, ())


def test_a_file_named_by_config_is_read_as_it_is(tmp_path: Path) -> None:
    path = plant(tmp_path / "shared", 0o666)
    assert load_settings({}, tmp_path, config_path=path).settings.redact is False


def test_the_file_is_judged_as_opened_not_by_its_name(tmp_path: Path) -> None:
    # A file swapped after it was judged: the check runs again on the descriptor that is read.
    path = plant(tmp_path, 0o666)
    with pytest.raises(ConfigError, match="not read: it is writable by others"):
        read_json_document(path, "debug.json", vet=stranger_problem)


def test_config_show_says_it_on_stderr(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    plant(tmp_path, 0o666)
    result = CliRunner().invoke(cli, ["config", "show"], catch_exceptions=False)
    assert result.exit_code == 0
    assert [line for line in result.stderr.splitlines() if "is ignored" in line] == [
        "namel3ss-debug: warning: .namel3ss/debug.json is ignored: it is writable by others (mode 666) (to trust it: "
        f"NAMEL3SS_DEBUG_TRUST={tmp_path} or --config {tmp_path}/.namel3ss/debug.json)"]
