"""Every read command takes OTLP/JSON files: the published opentelemetry-proto sample document, a file an
OpenTelemetry SDK app instrumented with openinference-instrumentation-openai wrote, and bad files (one line,
file:line, exit 3 under --strict; a warning and the rest read without it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "otlp"
SAMPLE = DATA / "opentelemetry-proto-trace.json"
SDK_FILE = DATA / "openinference-openai.jsonl"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def report(path: Path) -> dict[str, Any]:
    result = run("analyze", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_analyze_reads_the_published_sample_document() -> None:
    found = report(SAMPLE)
    [overview] = found["overview"]["runs"]
    assert (overview["run_id"], overview["entry"], overview["duration_ms"]) == (
        "5b8efff798038103d269b633813fc60c", "otlp my.service", 1000.0)
    [component] = found["components"]
    assert (component["component"], component["count"], component["latency"]["p50_ms"]) == ("custom", 1, 1000.0)


def test_analyze_reads_an_sdk_apps_openinference_file_two_traces_two_runs() -> None:
    found = report(SDK_FILE)
    assert len(found["run_ids"]) == 2
    assert (found["llm"]["calls"], found["llm"]["input_tokens"], found["llm"]["output_tokens"]) == (4, 44, 29)
    assert [m["model"] for m in found["llm"]["models"]] == ["gpt-4o-mini"]
    tools = {tool["name"]: tool for tool in found["tools"]}
    assert (tools["get_weather"]["calls"], tools["get_weather"]["failures"]) == (2, 1)


def test_inspect_tree_replay_check_and_diff_read_the_sample() -> None:
    tree = run("inspect", str(SAMPLE), "--tree")
    assert tree.exit_code == 0
    assert tree.stdout.splitlines() == ["run my.service  completed  1.00s  seq 0-3",
                                        "└── custom_span I'm a server span  completed  1.00s  seq 1-2"]
    replay = run("replay", str(SAMPLE))
    assert replay.exit_code == 0 and "custom_span_end  completed  1.00s" in replay.stdout
    check = run("check", str(SAMPLE), "--max-errors", "0", "--max-p95", "custom=2s")
    assert check.exit_code == 0, check.output
    check = run("check", str(SAMPLE), "--max-p95", "custom=500ms")
    assert check.exit_code == 1
    diff = run("diff", str(SAMPLE), str(SAMPLE), "--format", "json")
    assert diff.exit_code == 0, diff.output


def test_inspect_finds_the_sdk_files_failed_tool_with_its_error() -> None:
    result = run("inspect", str(SDK_FILE), "--errors-only", "--format", "json")
    assert result.exit_code == 0, result.output
    errors = json.loads(result.stdout)["events"]
    assert [(e["name"], e["error"]["type"]) for e in errors] == [("get_weather", "LookupError")]


def bad_file(tmp_path: Path) -> Path:
    good = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "00000000000000a1", "name": "fine",
            "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000001000000000"}
    bad = {**good, "spanId": 7, "name": "bad"}
    path = tmp_path / "bad.otlp.jsonl"
    path.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [good, bad]}]}]}) + "\n")
    return path


def test_a_malformed_span_is_one_line_with_file_line_and_exit_3_under_strict(tmp_path: Path) -> None:
    path = bad_file(tmp_path)
    result = run("analyze", "--strict", str(path))
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        (f"namel3ss-debug: error: {path}:1: resourceSpans[0].scopeSpans[0].spans[1]: spanId is not a string: 7 "
         "(fix or remove the line, or drop --strict to skip it)")]


def test_without_strict_a_malformed_span_is_a_warning_and_the_rest_is_read(tmp_path: Path) -> None:
    path = bad_file(tmp_path)
    result = run("analyze", str(path), "--format", "json")
    assert result.exit_code == 0
    assert "spans[1]: spanId is not a string: 7; span left out" in result.stderr
    assert json.loads(result.stdout)["overview"]["event_types"]["custom_span_end"] == 1


def test_a_file_that_is_not_json_at_all_is_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "trace.json"
    path.write_text('{\n  "resourceSpans": [\n    {"scopeSpans": oops}\n  ]\n}\n')
    result = run("analyze", str(path))
    assert result.exit_code == 3
    assert f"{path}:3: not JSON" in result.stderr


@pytest.mark.skipif(shutil.which("true") is None or sys.platform == "win32", reason="posix")
def test_a_freshly_written_sdk_file_reads_too(tmp_path: Path) -> None:
    """The sample maker run again (an app on the SDK with the OpenInference instrumentor, against the stub)."""
    for module in ("openinference.instrumentation.openai", "opentelemetry.exporter.otlp.proto.common",
                   "opentelemetry.instrumentation.httpx"):
        pytest.importorskip(module)
    out = tmp_path / "fresh.jsonl"
    done = subprocess.run([sys.executable, str(DATA / "make_openinference_sample.py"), str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    found = report(out)
    assert (found["llm"]["calls"], len(found["run_ids"])) == (4, 2)
