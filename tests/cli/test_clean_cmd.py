"""`namel3ss-debug clean`, and `trace_retention_days` applied when a run starts."""

from __future__ import annotations

import os
import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli

DAY = 86400
OLD = "20240101-000000-abcdef.0000.jsonl"  # 40 days old in every test
OLD_SEGMENT = "20240101-000000-abcdef.0001.jsonl"
OLD_SIDECAR = "20240101-000000-abcdef.0000.jsonl.idx"
OLD_NOISE = "20240101-000000-abcdef.stop-noise.log"  # a rerun's stop noise, beside its trace
MIDDLE = "20240201-000000-123456.0000.jsonl"  # 15 days old
RECENT = "20240301-000000-fedcba.0000.jsonl"  # 1 day old
OLD_OTHERS = ("notes.txt", "mytrace.jsonl", "20240101-000000-abcdef.0000.jsonl.bak")  # old, but not ours


def age(path: Path, days: float) -> None:
    stamp = time.time() - days * DAY
    os.utime(path, (stamp, stamp))


@pytest.fixture
def traces(tmp_path, monkeypatch):
    """A trace directory with old, middle-aged and recent trace files, and old files that are not traces."""
    monkeypatch.chdir(tmp_path)
    directory = tmp_path / "traces"
    directory.mkdir()
    for name, days in [(OLD, 40), (OLD_SEGMENT, 40), (OLD_SIDECAR, 40), (OLD_NOISE, 40), (MIDDLE, 15), (RECENT, 1),
                       *((other, 40) for other in OLD_OTHERS)]:
        path = directory / name
        path.write_text("{}\n")
        age(path, days)
    return directory


def env(**extra: str) -> dict[str, str | None]:
    values: dict[str, str | None] = {k: None for k in os.environ if k.startswith("NAMEL3SS_DEBUG_")}
    values.update(extra)
    return values


def clean(*args: str, **extra: str):
    return CliRunner().invoke(cli, ["clean", *args], env=env(**extra), catch_exceptions=False)


def names(directory: Path) -> set[str]:
    return {path.name for path in directory.iterdir()}


ALL = {OLD, OLD_SEGMENT, OLD_SIDECAR, OLD_NOISE, MIDDLE, RECENT, *OLD_OTHERS}
OLD_TRACES = {OLD, OLD_SEGMENT, OLD_SIDECAR, OLD_NOISE}


def test_dry_run_lists_the_old_traces_and_deletes_nothing(traces):
    result = clean("--dry-run", "-o", str(traces))
    listed = {Path(line.removeprefix("would delete ")).name for line in result.stdout.splitlines()}
    assert (result.exit_code, listed, names(traces)) == (0, OLD_TRACES, ALL)


def test_clean_deletes_only_trace_files_older_than_the_default_30_days(traces):
    result = clean("-o", str(traces))
    assert (result.exit_code, names(traces)) == (0, ALL - OLD_TRACES)
    assert "deleted 4 file(s)" in result.stderr


def test_days_sets_the_limit(traces):
    clean("--days", "10", "-o", str(traces))
    assert names(traces) == ALL - OLD_TRACES - {MIDDLE}


def test_days_0_deletes_nothing(traces):
    result = clean("--days", "0", "-o", str(traces))
    assert (result.exit_code, names(traces), result.stdout) == (0, ALL, "")


def test_retention_0_in_the_workspace_file_deletes_nothing(traces):
    (traces.parent / ".namel3ss").mkdir()
    (traces.parent / ".namel3ss" / "debug.json").write_text('{"trace_retention_days": 0}')
    clean("-o", str(traces))
    assert names(traces) == ALL


def test_retention_from_the_environment_and_output_dir_from_the_workspace_file(traces):
    (traces.parent / ".namel3ss").mkdir()
    (traces.parent / ".namel3ss" / "debug.json").write_text('{"trace_output_dir": "traces"}')
    clean(NAMEL3SS_DEBUG_TRACE_RETENTION_DAYS="10")
    assert names(traces) == ALL - OLD_TRACES - {MIDDLE}


# -- retention when a run starts ---------------------------------------------------------------------
def run_app(directory: Path, *flags: str, **extra: str) -> tuple[str, list[dict]]:
    """Trace a one-event app into `directory`; the new trace file's name and its events."""
    app = directory.parent / "app.py"
    app.write_text("from namel3ss_debug import mark\nmark('hello')\n")
    result = CliRunner().invoke(cli, ["trace", "-q", *flags, "-o", str(directory), str(app)], env=env(**extra),
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (new,) = names(directory) - ALL
    return new, [orjson.loads(line) for line in (directory / new).read_bytes().splitlines()]


def test_a_run_applies_retention_to_its_trace_directory_when_it_starts(traces):
    new, events = run_app(traces)
    assert names(traces) == ALL - OLD_TRACES | {new}
    assert events[1]["attrs"]["retention_deleted"] == len(OLD_TRACES)


def test_a_run_with_retention_0_deletes_nothing(traces):
    new, events = run_app(traces, NAMEL3SS_DEBUG_TRACE_RETENTION_DAYS="0")
    assert names(traces) == ALL | {new}
    assert "retention_deleted" not in events[1]["attrs"]


# -- paths that are not a trace directory -------------------------------------------------------------
def test_a_missing_directory_is_a_warning_and_nothing_to_do(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "no" / "such"
    result = clean("-o", str(missing))
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", f"namel3ss-debug: warning: no such directory: {missing} (nothing to clean)\n")


def test_a_file_given_as_the_directory_is_one_line(traces):
    result = clean("-o", str(traces / OLD))
    assert (result.exit_code, result.stderr) == (2, f"namel3ss-debug: error: {traces / OLD} is not a directory "
                                                    "(name the trace directory with -o or trace_output_dir)\n")


def test_config_given_a_directory_is_our_one_line(traces):
    result = clean("--config", ".")
    assert (result.exit_code, result.stderr) == (
        2, "namel3ss-debug: error: .: is a directory, not a config file "
           "(name the file, such as .namel3ss/debug.json)\n")
