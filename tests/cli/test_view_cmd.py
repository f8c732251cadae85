"""`namel3ss-debug view`: what it refuses before serving (one line, exit code). Serving itself is tested in
tests/unit/web (the server) and tests/browser (the page, `--follow`, Ctrl-C)."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def run(*args):
    return CliRunner().invoke(cli, ["view", "--no-browser", *args], catch_exceptions=False)


def small_run(path):
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "search", 5)
    trace.run_end()
    return str(trace.write(path))


def test_follow_takes_one_run(tmp_path) -> None:
    trace = small_run(tmp_path / "run.jsonl")
    done = run("--follow", trace, trace)
    assert done.exit_code == 2 and "--follow follows one run" in done.stderr


def test_a_port_in_use_is_a_usage_error(tmp_path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run("--port", str(port), small_run(tmp_path / "run.jsonl"))
    assert done.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_a_trace_without_events_is_an_invalid_trace_when_not_following(tmp_path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    done = run(str(tmp_path / "empty.jsonl"))
    assert done.exit_code == 3 and "no events" in done.stderr


def test_no_trace_and_no_trace_directory_is_a_usage_error() -> None:
    done = run()
    assert done.exit_code == 2 and "no directory debug/traces to list the runs of" in done.stderr
