"""`redact_patterns` run by RE2 (issue 61): no pattern can hang the traced app or `redact` (a growth test:
`(a|aa)+$` took time exponential in a run of `a`s with `re`: 0.67 s at 30), and one RE2 cannot run is refused
naming `redact_patterns[i]`: exit 2 for the CLI, one warning and the app untouched for the tracer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.growth import assert_linear, cpu_seconds
from support.tracefactory import TraceBuilder
from support.tracehelpers import run_importing_app

from namel3ss_debug.cli.main import cli
from namel3ss_debug.config import load_settings
from namel3ss_debug.model.errors import ConfigError
from namel3ss_debug.redaction.redact import Redactor

EVIL = "(a|aa)+$"
REFUSED = "(?<=id=)[0-9]+"  # a look-behind: RE2 has none


def write_config(root: Path, patterns: list[str]) -> Path:
    path = root / ".namel3ss" / "debug.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"redact_patterns": patterns}), encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_backtracking_pattern_runs_in_linear_time() -> None:
    redactor = Redactor(patterns=[EVIL])
    texts = {size: "a" * size + "b" for size in (4_000, 64_000)}
    assert_linear(lambda size: cpu_seconds(lambda: redactor.redact_text(texts[size]), tries=3), 4_000, 64_000)


def test_patterns_still_hide_what_they_match() -> None:
    redactor = Redactor(patterns=["ACME-[0-9]{6}", EVIL])
    assert redactor.redact_text("order ACME-123456 for aaaa") == "order [REDACTED:pattern] for [REDACTED:pattern]"
    assert redactor.redact_text("caf\u00e9 ACME-123456 \ud800 x") == "caf\u00e9 [REDACTED:pattern] \ud800 x"


def test_redact_rewrites_a_trace_holding_a_long_run_of_as(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, [EVIL])
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "t", 1.0, inputs={"text": "a" * 200_000 + "b", "tail": "xaaaa"})
    trace.run_end()
    path = trace.write(tmp_path / "run.jsonl")
    result = CliRunner().invoke(cli, ["redact", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert b'"tail":"x[REDACTED:pattern]"' in path.read_bytes()


def test_a_pattern_re2_refuses_names_its_key_and_index(tmp_path: Path) -> None:
    write_config(tmp_path, ["ACME-[0-9]+", "[a-z]+", REFUSED])
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path)
    assert "redact_patterns[2]: " in str(caught.value) and "cannot be run by RE2" in str(caught.value)


@pytest.mark.parametrize("command", [["redact", "--dry-run"], ["check", "--forbid-secrets"], ["config", "validate"]])
def test_the_cli_refuses_it_in_one_line_with_exit_2(tmp_path: Path, monkeypatch, command: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, [REFUSED])
    trace = TraceBuilder()
    trace.run_start()
    trace.run_end()
    path = trace.write(tmp_path / "run.jsonl")
    args = command if command[0] == "config" else [*command, str(path)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert "redact_patterns[0]: " in lines[0] and "error" in lines[0]


def test_the_tracer_leaves_it_out_with_a_warning_and_the_app_runs(tmp_path: Path) -> None:
    write_config(tmp_path, [REFUSED])
    done = run_importing_app(tmp_path)
    warnings = [line for line in done.stderr.splitlines() if "redact_patterns[0]" in line]
    assert len(warnings) == 1 and "is ignored" in warnings[0] and "Traceback" not in done.stderr
    assert list((tmp_path / "t").glob("*.jsonl"))  # traced, without the pattern


@pytest.mark.parametrize("where", ["file", "env"])
def test_a_lenient_load_keeps_the_patterns_re2_can_run(tmp_path: Path, where: str) -> None:
    patterns = ["ACME-[0-9]+", REFUSED, "ticket-[0-9]+"]
    environ = {}
    if where == "file":
        write_config(tmp_path, patterns)
    else:
        environ["NAMEL3SS_DEBUG_REDACT_PATTERNS"] = json.dumps(patterns)
    resolved = load_settings(environ, tmp_path, lenient=True)
    assert resolved.settings.redact_patterns == ("ACME-[0-9]+", "ticket-[0-9]+")
    (line,) = resolved.ignored
    assert "redact_patterns[1]: " in line and line.endswith("that item of redact_patterns is ignored")
