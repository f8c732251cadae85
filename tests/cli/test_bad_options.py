"""Every number and duration a command takes, given a huge, negative or non-finite value: exit 2 and one line
naming the option and the range it takes, never a traceback (an OverflowError, a ValueError past 4,300 digits)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")

HUGE = ["1e309", "1" + "0" * 400, "9999999999999999999d", "-5", "nan", "inf", "1" * 5000]


@pytest.fixture
def run_path(tmp_path: Path) -> str:
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "plan", 30, usage={"input_tokens": 10, "output_tokens": 5})
    trace.span("tool", "search", 20)
    trace.run_end()
    return str(trace.write(tmp_path / "run.jsonl"))


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env={"COLUMNS": "200", "NO_COLOR": "1"})


def one_line_usage_error(result, *parts: str) -> None:
    """Exit 2, one line on stderr holding each of `parts`, at most a few hundred characters long."""
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr) < 400, result.stderr
    for part in parts:
        assert part in result.stderr, (part, result.stderr)


# (command before TRACE, option, what follows the value, words of the range the message must name)
DURATIONS = [
    (["analyze"], "--slow-threshold", [], "0 to 8760h"),
    (["analyze"], "--block-threshold", [], "0 to 8760h"),
    (["inspect"], "--lookback", ["--causality", "2"], "0 to 8760h"),
    (["report"], "--slow-threshold", ["-o", "page.html"], "0 to 8760h"),
]


@pytest.mark.parametrize("value", [*HUGE, "8761h", "99999999999999999999999h"])
@pytest.mark.parametrize(("command", "option", "after", "words"), DURATIONS)
def test_a_duration_out_of_range_names_the_option_and_the_range(run_path, command, option, after, words, value):
    one_line_usage_error(invoke(*command, run_path, *after, option, value), option, words)


@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("command", ["analyze", "inspect"])
@pytest.mark.parametrize("value", [f"+{value}" for value in HUGE] + ["+8761h", "+99999999999999999999h"])
def test_an_offset_out_of_range_names_the_option_and_the_range(run_path, command, option, value):
    one_line_usage_error(invoke(command, run_path, option, value), option, "+0s to +8760h")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"])
@pytest.mark.parametrize("option", ["--since", "--until"])
def test_a_moment_past_the_years_datetime_holds_is_a_usage_error(run_path, option, value):
    one_line_usage_error(invoke("analyze", run_path, option, value), option, "between the years 1 and 9999")


def test_the_largest_offset_and_duration_are_taken(run_path):
    assert invoke("analyze", run_path, "--since", "+8760h", "--slow-threshold", "8760h").exit_code == 0
    assert invoke("inspect", run_path, "--causality", "2", "--lookback", "8760h").exit_code == 0


@pytest.mark.parametrize(("flag", "value", "words"), [
    ("--max-errors", "1" + "0" * 16, "from 0 to 1000000000000000 (10^15)"),
    ("--max-errors", "1" * 5000, "from 0 to 1000000000000000 (10^15)"),
    ("--max-tokens", "inf", "from 0 to 1000000000000000 (10^15)"),
    ("--max-llm-calls", "-1", "from 0 to 1000000000000000 (10^15)"),
    ("--max-cost", "1e309", "from 0 to 1000000000000"),
    ("--max-cost", "nan", "from 0 to 1000000000000"),
    ("--max-duration", "1" + "0" * 400 + "s", "0 to 8760h"),
    ("--max-duration", "nan", "0 to 8760h"),
    ("--max-p95", "llm=" + "9" * 400 + "h", "0 to 8760h"),
    ("--max-latency", "llm=inf", "0 to 8760h"),
    ("--require", "tool:search>=" + "9" * 5000, "from 1 to 1000000000000000 (10^15)"),
    ("--require", "tool:search>=10000000000000000", "from 1 to 1000000000000000 (10^15)"),
])
def test_check_numbers_out_of_range_name_the_flag_and_the_range(run_path, flag, value, words):
    one_line_usage_error(invoke("check", run_path, flag, value), flag, words)


@pytest.mark.parametrize("threshold", ["cost > +1" + "0" * 400, "tokens > +" + "1" * 5000,
                                       "tokens > +1000000000000001", "duration > +8761h", "duration > +1e309"])
def test_diff_fail_on_out_of_range_is_a_usage_error(run_path, threshold):
    result = invoke("diff", run_path, run_path, "--fail-on", threshold)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "--fail-on" in result.stderr
    assert len(result.stderr) < 400 and "Traceback" not in result.stderr


@pytest.mark.parametrize(("args", "words"), [
    (["inspect", "{run}", "--limit", "1" + "0" * 16], "--limit"),
    (["report", "{run}", "--max-text", "1" + "0" * 16, "-o", "page.html"], "--max-text"),
])
def test_counts_past_the_range_are_usage_errors(run_path, args, words):
    result = invoke(*[run_path if arg == "{run}" else arg for arg in args])
    one_line_usage_error(result, words, "1000000000000000")


@pytest.mark.parametrize("value", ["1e309", "1" + "0" * 400, "nan", "36501"])
def test_clean_days_out_of_range_is_a_usage_error(tmp_path, value):
    result = invoke("clean", "--days", value, "-o", str(tmp_path))
    one_line_usage_error(result, "--days", "from 0 to 36500")


@pytest.mark.parametrize("option", ["--event", "--causality"])
def test_an_event_number_of_5000_digits_is_looked_up_as_an_id(run_path, option):
    result = invoke("inspect", run_path, option, "1" * 5000)
    one_line_usage_error(result, "no event or span with id '1111", "(5,000 characters)")
