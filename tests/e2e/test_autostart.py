"""Library mode: `import namel3ss_debug` starts a run when the environment or the workspace says so."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

HELLO = str(Path(__file__).parent / "apps" / "hello.py")


def env(**extra: str) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    values.update(extra)
    return values


def run(cwd: Path, args: list[str], **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env(**extra), capture_output=True, text=True, timeout=60)


def run_hello(cwd: Path, **extra: str) -> subprocess.CompletedProcess:
    result = run(cwd, [sys.executable, HELLO], **extra)
    assert (result.returncode, result.stdout) == (0, "hello world\n"), result.stderr
    return result


def write_workspace(root: Path, text: str) -> None:
    (root / ".namel3ss").mkdir(parents=True, exist_ok=True)
    (root / ".namel3ss" / "debug.json").write_text(text, encoding="utf-8")


def only_run(directory: Path) -> list[dict]:
    (path,) = directory.glob("*.jsonl")
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def outline(events: list[dict]) -> list[tuple[str, str]]:
    return [(event["event_type"], event["status"]) for event in events]


WHOLE_RUN = [("segment_start", "completed"), ("run_start", "started"), ("app_load_start", "started"),
             ("app_load_end", "completed"), ("tool_call_start", "started"), ("tool_call_end", "completed"),
             ("run_end", "completed")]


def test_env_enabled_traces_the_app_from_import_to_interpreter_exit(tmp_path):
    run_hello(tmp_path, NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces")
    events = only_run(tmp_path / "traces")
    assert outline(events) == WHOLE_RUN
    assert (events[1]["attrs"]["config_sources"]["enabled"], events[-1]["attrs"]["reason"]) == (
        "env NAMEL3SS_DEBUG_ENABLED", "interpreter exit")


def test_workspace_file_enabled_traces_the_app(tmp_path):
    write_workspace(tmp_path, '{"enabled": true, "trace_output_dir": "traces"}')
    run_hello(tmp_path)
    assert outline(only_run(tmp_path / "traces")) == WHOLE_RUN


def test_workspace_file_found_from_a_subdirectory_puts_traces_under_the_workspace(tmp_path):
    write_workspace(tmp_path, '{"enabled": true, "trace_output_dir": "traces"}')
    (tmp_path / ".git").mkdir()  # a parent's file is believed inside the project only
    (tmp_path / "sub").mkdir()
    run_hello(tmp_path / "sub")
    assert (outline(only_run(tmp_path / "traces")), (tmp_path / "sub" / "traces").exists()) == (WHOLE_RUN, False)


def test_without_enabled_nothing_is_traced(tmp_path):
    result = run_hello(tmp_path, NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces")
    assert (result.stderr, (tmp_path / "traces").exists(), (tmp_path / "debug").exists()) == ("", False, False)


def test_env_disabled_overrides_an_enabled_workspace_file(tmp_path):
    write_workspace(tmp_path, '{"enabled": true, "trace_output_dir": "traces"}')
    run_hello(tmp_path, NAMEL3SS_DEBUG_ENABLED="0")
    assert not (tmp_path / "traces").exists()


def test_a_bad_env_value_is_one_warning_and_the_app_runs_traced_without_it(tmp_path):
    result = run_hello(tmp_path, NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_BUFFER_SIZE="1e309",
                       NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces")
    assert result.stderr.splitlines() == [
        'namel3ss-debug: warning: NAMEL3SS_DEBUG_BUFFER_SIZE: buffer_size = "1e309": expected an integer from 1 '
        "to 1000000; the value is ignored"]
    start = only_run(tmp_path / "traces")[1]["attrs"]
    assert (start["config"]["buffer_size"], start["config_sources"]["buffer_size"]) == (256, "default")


def test_a_bad_workspace_value_is_one_warning_and_the_file_still_counts(tmp_path):
    write_workspace(tmp_path, '{"enabled": true, "trace_output_dir": "traces", "flush_interval_seconds": 1e300}')
    result = run_hello(tmp_path)
    assert result.stderr.splitlines() == [
        "namel3ss-debug: warning: .namel3ss/debug.json:1:49: flush_interval_seconds = 1e+300: expected a number "
        "> 0 and <= 86400 (a day); the value is ignored"]
    assert outline(only_run(tmp_path / "traces")) == WHOLE_RUN


def test_a_workspace_file_that_cannot_be_read_is_one_warning_and_the_environment_still_counts(tmp_path):
    write_workspace(tmp_path, '{"enabled": true, "x": ' + "[" * 5000 + "]" * 5000 + "}")
    result = run_hello(tmp_path, NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces")
    assert result.stderr.splitlines() == [
        "namel3ss-debug: warning: .namel3ss/debug.json:1:87: nested more than 64 levels deep (these files need "
        "four levels at most); the file is ignored"]
    assert outline(only_run(tmp_path / "traces")) == WHOLE_RUN


def test_a_bad_enabled_is_said_though_tracing_stays_off(tmp_path):
    result = run_hello(tmp_path, NAMEL3SS_DEBUG_ENABLED="maybe", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces")
    assert (result.stderr.splitlines(), (tmp_path / "traces").exists()) == (
        ['namel3ss-debug: warning: NAMEL3SS_DEBUG_ENABLED: enabled = "maybe": expected one of 1, 0, true, false, '
         "yes, no, on, off; the value is ignored"], False)


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "namel3ss_debug", "config", "show"],
    [str(Path(sys.executable).parent / "namel3ss-debug"), "config", "show"],
], ids=["python-m", "console-script"])
def test_the_cli_in_an_enabled_workspace_writes_no_trace_of_itself(tmp_path, command):
    if not Path(command[0]).exists():
        pytest.skip("the namel3ss-debug console script is not installed beside this Python")
    write_workspace(tmp_path, '{"enabled": true, "trace_output_dir": "traces"}')
    result = run(tmp_path, command)
    assert (result.returncode, (tmp_path / "traces").exists()) == (0, False), result.stderr


def test_python_m_without_a_space_writes_no_trace_of_the_cli(tmp_path):
    write_workspace(tmp_path, '{"enabled": true, "trace_output_dir": "traces"}')
    result = run(tmp_path, [sys.executable, "-mnamel3ss_debug", "config", "show"])
    assert (result.returncode, (tmp_path / "traces").exists()) == (0, False), result.stderr


def test_trace_in_an_enabled_workspace_writes_one_run(tmp_path):
    write_workspace(tmp_path, '{"enabled": true, "trace_output_dir": "traces"}')
    result = run(tmp_path, [sys.executable, "-m", "namel3ss_debug", "trace", "-q", HELLO])
    assert result.returncode == 0, result.stderr
    assert outline(only_run(tmp_path / "traces")) == WHOLE_RUN
