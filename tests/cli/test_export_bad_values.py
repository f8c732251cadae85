"""`export`: option values it cannot use and text from the trace, as one line each, never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")


@pytest.mark.parametrize("timeout", ["nan", "inf", "-1", "0", "1e309", "3601"])
def test_a_timeout_that_is_not_a_number_of_seconds_is_a_usage_error(tmp_path, timeout):
    result = CliRunner().invoke(cli, ["export", "--to", "otlp", "--timeout", timeout, str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"namel3ss-debug: error: --timeout {float(timeout)} is not a number of seconds "
                                    "above 0 and at most 3600")


@pytest.mark.parametrize("endpoint", ["http://[::1", "http://host:99999", "http://host:port"])
def test_an_endpoint_that_is_not_a_url_is_a_usage_error(tmp_path, endpoint):
    result = CliRunner().invoke(cli, ["export", "--to", "otlp", "--endpoint", endpoint, str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2
    assert result.stderr == (f"namel3ss-debug: error: --endpoint = {endpoint!r} is not an http:// or https:// URL "
                             "(write it as http://HOST:PORT (4318 for http/protobuf, 4317 for grpc))\n")


def test_a_run_id_holding_control_characters_is_shown_on_one_line_without_them(tmp_path):
    trace = TraceBuilder(run_id="run\x1b[2J\nnext")
    trace.run_start()
    trace.span("tool", "search", 5.0, trace.root)
    trace.run_end()
    path = trace.write(tmp_path / "run.jsonl")
    result = CliRunner().invoke(cli, ["export", "--to", "otlp-json", str(path), str(tmp_path / "out.json")])
    assert result.exit_code == 0, result.stderr
    summary = result.stderr.splitlines()[-1]
    assert summary.startswith("run run") and "\x1b" not in result.stderr and "\\nnext: wrote 2 spans" in summary
