"""`check --forbid-secrets` says what it looked for and what it cannot see: in its help, in the JSON's
`details` of the rule, on stderr once however many runs passed, and in the message of a failure."""

from __future__ import annotations

import orjson
import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli
from namel3ss_debug.model.secret_scope import CANNOT_SEE, LOOKS_FOR, SCOPE

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def check(*args):
    return CliRunner(env={"COLUMNS": "2000"}).invoke(cli, ["check", *args], catch_exceptions=False)


def run_file(tmp_path, name, run_id, prompt="hello"):
    trace = TraceBuilder(run_id)
    trace.run_start()
    trace.span("llm", "planner", 5.0, trace.root, inputs={"prompt": prompt})
    trace.run_end()
    return str(trace.write(tmp_path / name))


def test_the_help_says_what_it_looks_for_and_cannot_see():
    text = " ".join(CliRunner().invoke(cli, ["check", "--help"], terminal_width=2000).output.split())
    assert "random-looking tokens" in text and "keys named like secrets" in text
    assert "Cannot see: secrets of hex digits alone or UUIDs" in text and "passwords in prose" in text


def test_a_pass_says_it_once_on_stderr_and_in_each_runs_json(tmp_path):
    files = [run_file(tmp_path, f"run{n}.jsonl", f"20261122-10000{n}-abcdef") for n in range(3)]
    result = check(*files, "--forbid-secrets", "--format", "json")
    notes = [line for line in result.stderr.splitlines() if "forbid_secrets:" in line]
    assert result.exit_code == 0
    assert notes == [f"namel3ss-debug: warning: forbid_secrets: {note}" for note in SCOPE]
    details = [rule["details"] for run in orjson.loads(result.stdout)["runs"] for rule in run["results"]]
    assert details == [list(SCOPE)] * 3


def test_a_failure_names_the_rule_that_found_it_and_what_the_check_cannot_see(tmp_path):
    path = run_file(tmp_path, "run.jsonl", "20261122-100000-abcdef", prompt="key Qm7ZtR2xLp9WcV4nKd8sHf3JgB6yNa1E")
    result = check(path, "--forbid-secrets")
    line = " ".join(result.stdout.split())
    assert result.exit_code == 1 and "Qm7ZtR2x" not in result.output
    assert "(secret-looking text in inputs.prompt: a random-looking token)" in line
    assert LOOKS_FOR[0][:40] in line and CANNOT_SEE[0][:40] in line
