"""The use cases are called as a library: options and an Environment in, a record out; warnings go to the
Environment's callback, and nothing is printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest, analyze_traces
from namel3ss_debug.ops.clean import CleanRequest, clean_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.inspect.inspect import build_request, inspect_traces
from namel3ss_debug.ops.traces import TraceArgs


def a_run(path: Path) -> Path:
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "helper")
    trace.span("llm", "plan", 20, agent, model="m", usage={"input_tokens": 100, "output_tokens": 10})
    trace.span("tool", "search", 5, agent, status="failed", error=error("TimeoutError", "late"))
    trace.end(agent, 40)
    trace.run_end()
    return trace.write(path)


def inspect_options(**given: object) -> dict[str, object]:
    options: dict[str, object] = {key: None for key in ("event_ref", "span_ref", "journey", "causality", "lookback",
                                                         "limit", "agent", "grep", "since", "until")}
    options.update({key: () for key in ("names", "types", "statuses", "components")})
    options.update(tree=False, timeline=False, errors_only=False, fmt="json", full=False, no_pager=True)
    options.update(given)
    return options


def test_analyze_returns_the_report_and_says_its_warnings_to_the_callback(tmp_path, capfd):
    path = a_run(tmp_path / "run.jsonl")
    path.write_bytes(path.read_bytes() + b"not json\n")
    heard: list[str] = []
    request = AnalyzeRequest(TraceArgs((str(path),)))
    report = analyze_traces(request, Environment(cwd=tmp_path, warn=heard.append))
    assert report.overview.events == 8
    assert [message.partition(" (")[0] for message in heard] == [f"{path}:9: not JSON"]
    assert capfd.readouterr() == ("", "")


def test_the_event_list_is_read_as_it_is_iterated_and_stops_at_the_limit(tmp_path):
    path = a_run(tmp_path / "run.jsonl")
    request = build_request(inspect_options(limit=3))
    listing = inspect_traces(request, TraceArgs((str(path),)), Environment(cwd=tmp_path))
    assert listing.problems.invalid_count == 0 and listing.clock.starts == {}  # nothing read yet
    assert [located.event["seq"] for located in listing.events] == [0, 1, 2]


def test_a_bad_combination_of_inspect_options_is_refused_before_anything_is_read():
    with pytest.raises(UsageError, match="--tree and --timeline cannot be combined"):
        build_request(inspect_options(tree=True, timeline=True))


def test_clean_of_a_directory_that_is_not_there_is_a_record_not_a_message(tmp_path, capfd):
    done = clean_traces(CleanRequest(output_dir=tmp_path / "nothing"), Environment(cwd=tmp_path))
    assert (done.missing, done.removed, done.directory) == (True, [], tmp_path / "nothing")
    assert capfd.readouterr() == ("", "")
