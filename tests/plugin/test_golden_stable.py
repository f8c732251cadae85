"""Golden files fit for review: two recordings of the same deterministic app differ only in the documented volatile
fields, a recording that says nothing new leaves the file as it was, and the file opens as any trace."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from support.goldensuites import golden_events, run_pytest, suite_environ, write_suite
from support.stubserver import StubServer

from namel3ss_debug.cli.main import cli
from namel3ss_debug.testing.golden_files import VOLATILE, VOLATILE_ATTRS, write_golden

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow  # pytest sessions of sample projects, in processes of their own

STEADY = '''
import pytest
from agentapp import ask, ask_claude, lookup


@pytest.mark.n3replay
def test_plan():
    assert ask("Plan a day in Oslo").startswith("Echo: ")
    assert lookup("museum")["found"]
    assert ask_claude("And in Rome?").startswith("Echo: ")
'''

GOLDEN = Path("golden", "test_steady", "test_plan.jsonl")


def without_volatile(event: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in event.items() if key not in VOLATILE}
    if isinstance(kept.get("attrs"), dict):
        kept["attrs"] = {key: value for key, value in kept["attrs"].items() if key not in VOLATILE_ATTRS}
    return kept


@contextmanager
def recorded(pytester: pytest.Pytester) -> Iterator[tuple[StubServer, dict[str, str]]]:
    """The steady suite written and recorded (`--n3-record=rewrite`) against a stub server, which runs on
    until the block ends; the server and the suite's environment."""
    write_suite(pytester.path, test_steady=STEADY)
    with StubServer() as server:
        environ = suite_environ(pytester.path, server.url)
        rewrite(pytester, environ).assert_outcomes(passed=1)
        yield server, environ


def rewrite(pytester: pytest.Pytester, environ: dict[str, str]) -> pytest.RunResult:
    return run_pytest(pytester.path, environ, "--n3-record=rewrite")


def test_two_recordings_differ_only_in_the_documented_fields(pytester: pytest.Pytester) -> None:
    golden = pytester.path / GOLDEN
    with recorded(pytester) as (_, environ):
        first = golden.read_bytes()
        golden.unlink()
        rewrite(pytester, environ).assert_outcomes(passed=1)
    second = golden.read_bytes()
    assert first != second  # the times differ...
    assert [without_volatile(orjson.loads(line)) for line in first.splitlines()] == \
        [without_volatile(orjson.loads(line)) for line in second.splitlines()]  # ...and nothing else


def test_a_recording_that_says_the_same_leaves_the_file_as_it_was(pytester: pytest.Pytester) -> None:
    golden = pytester.path / GOLDEN
    with recorded(pytester) as (server, environ):
        before, stamp = golden.read_bytes(), golden.stat().st_mtime_ns
        again = rewrite(pytester, environ)
    again.assert_outcomes(passed=1)
    assert len(server.hits) == 4  # recorded twice
    again.stdout.fnmatch_lines([f"unchanged {GOLDEN} (test_steady.py::test_plan): the new recording says the same"])
    assert golden.read_bytes() == before and golden.stat().st_mtime_ns == stamp


def test_write_golden_keeps_a_file_that_differs_only_in_volatile_fields(tmp_path: Path) -> None:
    target = tmp_path / "golden.jsonl"
    event = {"event_type": "llm_call_end", "ts": "2026-11-26T12:00:00Z", "duration_ms": 12.5, "memory_mb": 40.1,
             "attrs": {"ttft_ms": 3.0, "model": "m"}, "outputs": "Echo"}
    assert write_golden(target, [orjson.dumps(event)]) is True
    before = target.read_bytes()
    later = {**event, "ts": "2026-11-27T08:00:00Z", "duration_ms": 99.0, "memory_mb": 41.0,
             "attrs": {"ttft_ms": 7.0, "model": "m"}}
    assert write_golden(target, [orjson.dumps(later)]) is False and target.read_bytes() == before
    assert write_golden(target, [orjson.dumps({**later, "outputs": "Other"})]) is True
    assert target.read_bytes() != before


def test_write_golden_keeps_a_file_whose_requests_went_to_another_port_only(tmp_path: Path) -> None:
    target = tmp_path / "golden.jsonl"
    start = {"event_type": "llm_call_start", "inputs": {"model": "m"},
             "attrs": {"http": {"method": "POST", "url": "http://127.0.0.1:34427/v1/chat/completions?x=1"}}}
    assert write_golden(target, [orjson.dumps(start)]) is True
    moved = {**start, "attrs": {"http": {"method": "POST", "url": "http://127.0.0.1:40001/v1/chat/completions?x=1"}}}
    assert write_golden(target, [orjson.dumps(moved)]) is False
    for url in ("http://127.0.0.1:40001/v1/responses?x=1", "http://127.0.0.1:40001/v1/chat/completions?x=2"):
        other = {**start, "attrs": {"http": {"method": "POST", "url": url}}}
        assert write_golden(target, [orjson.dumps(other)]) is True


def test_a_golden_file_opens_with_inspect_and_report(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_steady=STEADY)
    with StubServer() as server:
        run_pytest(pytester.path, suite_environ(pytester.path, server.url), "--n3-record=once").assert_outcomes(
            passed=1)
    golden = pytester.path / GOLDEN
    assert {event["run_id"] for event in golden_events(golden)} == {golden_events(golden)[0]["run_id"]}
    runner = CliRunner()
    inspected = runner.invoke(cli, ["inspect", str(golden)], catch_exceptions=False)
    assert inspected.exit_code == 0, inspected.output
    assert "openai.chat" in inspected.output and "lookup" in inspected.output
    page = pytester.path / "x.html"
    reported = runner.invoke(cli, ["report", str(golden), "-o", str(page)], catch_exceptions=False)
    assert reported.exit_code == 0, reported.output
    assert "openai.chat" in page.read_text()
