"""`namel3ss-debug redact TRACE...`: secrets hidden in files already written, atomically; nothing lost on errors."""

from __future__ import annotations

import gzip
import os
import stat

import orjson
import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder, error, many_llm_calls

from namel3ss_debug.cli.main import cli
from namel3ss_debug.store.index import index_path
from namel3ss_debug.redaction.redact import Redactor

pytestmark = pytest.mark.usefixtures("isolated_workspace")  # each test in its own directory, no config

KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
PASSWORD = "correct-horse-battery"


def run(command, *args, input=None):
    return CliRunner().invoke(cli, [command, *args], input=input, catch_exceptions=False)


def unredacted_run():
    """A run as a tracer with `redact: false` writes it: a key in a prompt, a `password` argument, a
    `password=` pair in an error message, and events with nothing to hide."""
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher")
    trace.span("llm", "planner", 900.0, agent, inputs={"prompt": f"call the API with {KEY} please"})
    trace.span("tool", "login", 20.0, agent, inputs={"user": "ada", "password": PASSWORD})
    trace.span("tool", "search", 30.0, agent, inputs={"q": "weather"})
    trace.span("tool", "db", 5.0, agent, status="failed",
               error=error("OperationalError", "connect failed: password=hunter2 host=db"))
    trace.end(agent, 10.0)
    trace.run_end()
    return trace


def write(tmp_path, trace, name="run.jsonl"):
    return trace.write(tmp_path / name)


def lines_of(path):
    return path.read_bytes().split(b"\n")


# ---------------------------------------------------------------- what changes, what does not


def test_secrets_are_gone_from_the_bytes_and_the_command_says_how_many_events_changed(tmp_path):
    path = write(tmp_path, unredacted_run())
    result = run("redact", str(path))
    data = path.read_bytes()
    assert (result.exit_code, result.stdout) == (0, f"{path}: redacted 3 events\n")
    assert KEY.encode() not in data and PASSWORD.encode() not in data and b"hunter2" not in data
    assert b"[REDACTED:openai_project_key]" in data and b'"password":"[REDACTED]"' in data


def test_lines_with_nothing_to_hide_stay_byte_for_byte_and_the_events_keep_their_order(tmp_path):
    path = write(tmp_path, unredacted_run())
    before = lines_of(path)
    run("redact", str(path))
    after = lines_of(path)
    changed = [n for n, (old, new) in enumerate(zip(before, after)) if old != new]
    assert len(before) == len(after) and len(changed) == 3
    assert [orjson.loads(line)["seq"] for line in after if line] == list(range(len(before) - 1))
    assert all(KEY.encode() in before[n] or PASSWORD.encode() in before[n] or b"hunter2" in before[n] for n in changed)


def test_check_forbid_secrets_fails_before_and_passes_after(tmp_path):
    path = str(write(tmp_path, unredacted_run()))
    assert run("check", path, "--forbid-secrets").exit_code == 1
    run("redact", path)
    result = run("check", path, "--forbid-secrets")
    assert result.exit_code == 0, result.stdout


def test_a_second_redact_finds_nothing_and_leaves_the_file_alone(tmp_path):
    path = write(tmp_path, unredacted_run())
    run("redact", str(path))
    before = os.stat(path)
    result = run("redact", str(path))
    after = os.stat(path)
    assert result.stdout == f"{path}: redacted 0 events\n"
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_dry_run_counts_what_would_change_and_writes_nothing(tmp_path):
    path = write(tmp_path, unredacted_run())
    data, before = path.read_bytes(), os.stat(path)
    result = run("redact", str(path), "--dry-run")
    assert (result.exit_code, result.stdout) == (0, f"{path}: would redact 3 events\n")
    assert path.read_bytes() == data and os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.jsonl"]


def test_the_offset_index_of_the_old_bytes_is_removed(tmp_path):
    trace = many_llm_calls(3000)  # past 1 MiB: reading it whole writes an index
    trace.events[1501]["inputs"]["prompt"] = f"use {KEY}"  # an llm_call_start
    path = write(tmp_path, trace)
    run("analyze", str(path))
    assert index_path(str(path)).exists()
    run("redact", str(path))
    assert not index_path(str(path)).exists()
    (event,) = orjson.loads(run("inspect", str(path), "--event", "2999", "--format", "json").stdout)["events"]
    assert event["seq"] == 2999  # found where the new bytes put it


def test_every_segment_of_a_run_is_redacted(tmp_path):
    trace = unredacted_run()
    first, second = trace.events[:5], trace.events[5:]
    (tmp_path / f"{trace.run_id}.0000.jsonl").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in first))
    (tmp_path / f"{trace.run_id}.0001.jsonl").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in second))
    result = run("redact", str(tmp_path / f"{trace.run_id}.0000.jsonl"))
    assert [line.split(": ")[1] for line in result.stdout.splitlines()] == ["redacted 2 events", "redacted 1 event"]
    assert not any(KEY.encode() in p.read_bytes() or PASSWORD.encode() in p.read_bytes() for p in tmp_path.iterdir())


def test_configured_redact_keys_of_the_workspace_are_applied(tmp_path):
    (tmp_path / ".namel3ss").mkdir()
    (tmp_path / ".namel3ss/debug.json").write_text('{"redact_keys": ["session_id"]}')
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "fetch", 5.0, inputs={"sessionId": "s-1234567"})
    trace.run_end()
    path = write(tmp_path, trace)
    assert run("redact", str(path)).stdout == f"{path}: redacted 1 event\n"
    assert b"s-1234567" not in path.read_bytes()


@pytest.mark.skipif(not hasattr(Redactor(), "learned"), reason="the redactor does not remember values yet")
def test_a_value_hidden_by_key_is_hidden_where_it_appeared_earlier_too(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "chat", 5.0, inputs={"prompt": f"my password is {PASSWORD}"})
    trace.span("tool", "login", 5.0, inputs={"password": PASSWORD})
    trace.run_end()
    path = write(tmp_path, trace)
    run("redact", str(path))
    assert PASSWORD.encode() not in path.read_bytes()


# ---------------------------------------------------------------- files of other kinds


def test_a_gzip_segment_is_written_compressed_again(tmp_path):
    path = tmp_path / "run.jsonl.gz"
    path.write_bytes(gzip.compress(unredacted_run().lines()))
    result = run("redact", str(path))
    data = gzip.decompress(path.read_bytes())
    assert (result.exit_code, KEY.encode() in data, data.count(b"\n")) == (0, False, len(unredacted_run().events))


def test_a_symlink_keeps_pointing_at_the_rewritten_file(tmp_path):
    target = write(tmp_path, unredacted_run(), "real.jsonl")
    (tmp_path / "link.jsonl").symlink_to(target)
    run("redact", str(tmp_path / "link.jsonl"))
    assert (tmp_path / "link.jsonl").is_symlink() and KEY.encode() not in target.read_bytes()


def test_the_file_keeps_its_permissions(tmp_path):
    path = write(tmp_path, unredacted_run())
    path.chmod(0o600)
    run("redact", str(path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


# ---------------------------------------------------------------- errors leave everything as it was


def test_a_torn_last_line_exits_3_and_changes_nothing(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_bytes(unredacted_run().lines() + b'{"v":1,"run_id":"r","se')
    data = path.read_bytes()
    result = run("redact", str(path))
    assert (result.exit_code, "last line is incomplete" in result.stderr) == (3, True)
    assert path.read_bytes() == data and sorted(p.name for p in tmp_path.iterdir()) == ["run.jsonl"]


def test_an_invalid_line_exits_3_naming_it_and_changes_nothing(tmp_path):
    lines = unredacted_run().lines().split(b"\n")
    lines.insert(3, b"not json")
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"\n".join(lines))
    data = path.read_bytes()
    result = run("redact", str(path))
    assert (result.exit_code, result.stderr.startswith(f"namel3ss-debug: error: {path}:4: not JSON")) == (3, True)
    assert path.read_bytes() == data


def test_standard_input_is_a_usage_error(tmp_path):
    result = run("redact", "-", input=unredacted_run().lines())
    assert (result.exit_code, result.stderr) == (
        2, "namel3ss-debug: error: standard input (-) cannot be rewritten (save it to a file and redact that)\n")


def test_help_explains_exit_codes_and_shows_an_example():
    result = run("redact", "--help")
    assert "Exit codes" in result.stdout and "namel3ss-debug redact run.jsonl --dry-run" in result.stdout
