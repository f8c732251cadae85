"""`namel3ss-debug config show|init|validate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.config_cmd import config
from namel3ss_debug.cli.main import cli
from namel3ss_debug.config import KEYS, WORKSPACE_FILE, Settings, load_settings
from namel3ss_debug.model.errors import ConfigError, UsageError
from namel3ss_debug.render.config import SHOW_SCHEMA
from support.hostile import Victim


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """An empty project directory as the working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_config(root: Path, text: str) -> Path:
    path = root / WORKSPACE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def invoke(args, env=None):
    return CliRunner().invoke(config, args, env=env, catch_exceptions=False)


def invoke_cli(args, env=None):
    """Through the main group, so our errors become their one line and exit code as in a shell."""
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def test_show_json_is_one_json_document_with_schema_and_sources(workspace):
    write_config(workspace, '{"buffer_size": 64}')
    result = invoke(["show", "--format", "json"], env={"NAMEL3SS_DEBUG_ENABLED": "1"})
    record = json.loads(result.stdout)
    assert (record["schema"], record["keys"]["buffer_size"], record["keys"]["enabled"], list(record["keys"])) == (
        SHOW_SCHEMA,
        {"value": 64, "source": ".namel3ss/debug.json"},
        {"value": True, "source": "env NAMEL3SS_DEBUG_ENABLED"},
        list(KEYS),
    )


def test_show_json_keeps_warnings_inside_the_document(workspace):
    write_config(workspace, '{"bufer_size": 64}')
    result = invoke(["show", "--format", "json"])
    assert (len(json.loads(result.stdout)["warnings"]), result.stderr) == (1, "")


def test_show_table_names_each_source(workspace):
    write_config(workspace, '{"buffer_size": 64}')
    result = invoke(["show"], env={"NAMEL3SS_DEBUG_ENABLED": "on"})
    lines = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line.strip()}
    assert (lines["buffer_size"][1:], lines["enabled"][1:], lines["redact"][1:]) == (
        ["64", ".namel3ss/debug.json"],
        ["true", "env", "NAMEL3SS_DEBUG_ENABLED"],
        ["true", "default"],
    )


def test_show_table_prints_warnings_on_stderr(workspace):
    write_config(workspace, '{"bufer_size": 64}')
    result = invoke(["show"])
    assert result.stderr == (
        'namel3ss-debug: warning: .namel3ss/debug.json: unknown key "bufer_size" (did you mean "buffer_size"?)\n'
    )
    assert "bufer_size" not in result.stdout


def test_show_with_missing_config_file_is_a_config_error(workspace):
    with pytest.raises(ConfigError, match="config file not found"):
        invoke(["show", "--config", "missing.json"])


def test_init_writes_a_file_that_validate_accepts(workspace):
    init = invoke(["init"])
    validate = invoke(["validate", str(WORKSPACE_FILE)])
    assert (init.exit_code, validate.exit_code, validate.stdout) == (0, 0, "ok: .namel3ss/debug.json\n")


def test_init_writes_the_defaults_with_tracing_off(workspace):
    invoke(["init"])
    assert load_settings({}, workspace).settings == Settings(enabled=False)


def test_init_refuses_to_overwrite_without_force(workspace):
    write_config(workspace, '{"enabled": true}')
    with pytest.raises(UsageError, match="already exists"):
        invoke(["init"])


def test_init_force_overwrites(workspace):
    path = write_config(workspace, '{"enabled": true}')
    invoke(["init", "--force"])
    assert json.loads(path.read_text(encoding="utf-8"))["enabled"] is False


def test_init_path_to_a_directory_writes_under_it(workspace):
    (workspace / "proj").mkdir()
    invoke(["init", "--path", "proj"])
    assert (workspace / "proj" / WORKSPACE_FILE).is_file()


def test_validate_without_path_uses_the_file_found_from_cwd_upwards(workspace, monkeypatch):
    path = write_config(workspace, '{"enabled": true}')
    (workspace / "sub").mkdir()
    monkeypatch.chdir(workspace / "sub")
    assert invoke(["validate"]).stdout == f"ok: {path}\n"


def test_validate_reports_a_bad_value_with_its_position_and_exit_code_2(workspace):
    write_config(workspace, '{\n  "sample_rate": 3\n}')
    result = invoke_cli(["config", "validate"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "namel3ss-debug: error: .namel3ss/debug.json:2:3: sample_rate = 3: expected a number > 0 and <= 1\n")


def test_validate_of_an_empty_file_says_so_in_one_line(workspace):
    write_config(workspace, "  \n")
    result = invoke_cli(["config", "validate"])
    assert (result.exit_code, result.stderr) == (2, "namel3ss-debug: error: .namel3ss/debug.json: the file is empty "
                                                    "(write {} or run `namel3ss-debug config init --force`)\n")


@pytest.mark.parametrize("config, code, said", [
    ('{\n  "buffer_size": 5,\n  "buffer_size": 7\n}', 0,
     'warning: .namel3ss/debug.json:3:3: duplicate key "buffer_size" (the last one is used)'),
    ('{\n  "checks": {"max_erors": 0}\n}', 2,  # the checks section, by the rules of check
     'error: .namel3ss/debug.json:2:14: unknown key "max_erors" (did you mean "max_errors"?)'),
], ids=["a duplicate key, at the one ignored", "a check's misspelt rule"])
def test_validate_says_what_is_wrong_where_in_one_line(workspace, config, code, said):
    write_config(workspace, config)
    result = invoke_cli(["config", "validate"])
    assert (result.exit_code, result.stderr) == (code, f"namel3ss-debug: {said}\n")


def test_show_config_given_a_directory_is_one_line(workspace):
    result = invoke_cli(["config", "show", "--config", "."])
    assert (result.exit_code, result.stderr) == (
        2, "namel3ss-debug: error: .: is a directory, not a config file "
           "(name the file, such as .namel3ss/debug.json)\n")


def test_a_malformed_file_through_the_real_entry_point_is_one_line_with_its_position(workspace):
    write_config(workspace, '{\n  "enabled": true,\n}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "config", "validate"], cwd=workspace, env=env,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (2, "", [
        "namel3ss-debug: error: .namel3ss/debug.json:3:1: invalid JSON: Expecting property name enclosed in double "
        "quotes (JSON allows no comments or trailing commas; strings need double quotes)"])


def test_validate_with_no_file_found_is_an_error(workspace):
    with pytest.raises(ConfigError, match="no .namel3ss/debug.json found"):
        invoke(["validate"])


def test_validate_prints_warnings_on_stderr_and_still_passes(workspace):
    write_config(workspace, '{"enabeld": true}')
    result = invoke(["validate"])
    assert (result.exit_code, 'did you mean "enabled"' in result.stderr) == (0, True)


def test_validate_ignores_the_environment(workspace):
    write_config(workspace, "{}")
    result = invoke(["validate"], env={"NAMEL3SS_DEBUG_BUFFER_SIZE": "not-a-number"})
    assert result.exit_code == 0


def test_init_at_a_path_of_bytes_that_are_not_utf8_says_where_it_wrote_on_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "config", "init", "--path", b"\xff.json"],
                            cwd=tmp_path, capture_output=True, timeout=60)
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == f"wrote {tmp_path}/\\udcff.json\n".encode()
    assert (tmp_path / os.fsdecode(b"\xff.json")).is_file()


def test_init_under_thousands_of_missing_directories_is_a_usage_error(tmp_path):
    deep = "/".join(["a"] * 2000) + "/f.json"
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "config", "init", "--path", deep],
                            cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("namel3ss-debug: error: ") and result.stderr.count("\n") == 1
    assert result.stderr.endswith("(make the directory first, or write the file nearer the working directory)\n")


@pytest.mark.parametrize("force", [False, True])
def test_init_never_writes_through_a_link_a_clone_left_at_the_file(workspace, tmp_path, force):
    victim = Victim.made(tmp_path / "victim", files=2)
    target = Path(WORKSPACE_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    target.symlink_to(victim.file)
    result = invoke_cli(["config", "init", *(["--force"] if force else [])])
    victim.assert_untouched()
    if force:
        assert result.exit_code == 0 and not target.is_symlink() and json.loads(target.read_text())
    else:
        assert result.exit_code == 2 and "already exists" in result.output
