"""`namel3ss-debug analyze TRACE...`: figures, formats, sections and every kind of bad input."""

from __future__ import annotations

import gzip
import json
import random
import statistics

import orjson
import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from support.tracefactory import TraceBuilder, hanging_lines, multi_line_error_run

from namel3ss_debug.cli.main import cli
from namel3ss_debug.schemas import load_analyze_schema

RUN = "20261122-100000-0a1b2c"


pytestmark = pytest.mark.usefixtures("isolated_workspace")  # each test in its own directory, no config


def invoke(*args, input=None):
    return CliRunner().invoke(cli, ["analyze", *args], input=input, catch_exceptions=False)


# A trace written here without the tracer or our factory: its figures are known before analyze reads it.
def write_known_trace(path, rng=None):
    rng = rng or random.Random(11)  # the same trace in every test, whatever ran before
    events, expected = [], {"types": {}, "durations": {}, "failed": 0, "tokens": {}}
    clock = [0]

    def emit(event_type, component, name, span_id, parent, status, **extra):
        clock[0] += 1000
        ts = (f"2026-11-22T10:{clock[0] // 60_000_000 % 60:02d}:{clock[0] // 1_000_000 % 60:02d}"
              f".{clock[0] % 1_000_000:06d}Z")
        events.append({"v": 1, "run_id": RUN, "seq": len(events), "ts": ts, "event_type": event_type,
                       "component": component, "name": name, "span_id": span_id, "parent_id": parent,
                       "status": status, **extra})
        expected["types"][event_type] = expected["types"].get(event_type, 0) + 1

    emit("run_start", "app", "known.py", "r", None, "started")
    for n in range(300):
        component, name = rng.choice([("llm", "planner"), ("llm", "writer"), ("tool", "search")])
        prefix = {"llm": "llm_call", "tool": "tool_call"}[component]
        span = f"s{n}"
        emit(f"{prefix}_start", component, name, span, "r", "started", inputs={"n": n})
        duration = round(rng.lognormvariate(5, 1), 3)
        failed = rng.random() < 0.1
        extra = {"duration_ms": duration}
        if failed:
            extra["error"] = {"type": "TimeoutError", "message": "late", "category": "timeout"}
            expected["failed"] += 1
        if component == "llm":
            model = rng.choice(["m-small", "m-large"])
            tokens = (rng.randint(10, 900), rng.randint(1, 300))
            extra.update(model=model, usage={"input_tokens": tokens[0], "output_tokens": tokens[1],
                                             "total_tokens": sum(tokens)})
            expected["tokens"][model] = expected["tokens"].get(model, 0) + sum(tokens)
        emit(f"{prefix}_end", component, name, span, "r", "failed" if failed else "completed", **extra)
        expected["durations"].setdefault(name, []).append(duration)
    emit("run_end", "app", "known.py", "r", None, "completed", duration_ms=clock[0] / 1000)
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    expected["events"] = len(events)
    return expected


def test_json_reports_exactly_the_figures_of_a_trace_written_outside_the_tracer(tmp_path):
    expected = write_known_trace(tmp_path / "known.jsonl")
    result = invoke("known.jsonl", "--format", "json")
    report = json.loads(result.stdout)
    assert report["overview"]["events"] == expected["events"]
    assert report["overview"]["event_types"] == expected["types"]
    assert report["errors"]["failed_spans"] == report["errors"]["total"] == expected["failed"]
    assert {m["model"]: m["total_tokens"] for m in report["llm"]["models"]} == expected["tokens"]
    for operation in report["operations"]:
        durations = expected["durations"][operation["name"]]
        cuts = statistics.quantiles(durations, n=100, method="inclusive")
        latency = operation["latency"]
        assert operation["count"] == len(durations)
        assert [latency["p50_ms"], latency["p90_ms"], latency["p95_ms"], latency["p99_ms"], latency["max_ms"]] == \
            pytest.approx([cuts[49], cuts[89], cuts[94], cuts[98], max(durations)], abs=1e-3)


def test_json_output_validates_against_the_shipped_schema(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    report = json.loads(invoke("known.jsonl", "--format", "json").stdout)
    Draft202012Validator(load_analyze_schema()).validate(report)
    assert report["schema"] == "namel3ss-debug/analyze/v1"


def test_json_is_the_only_thing_on_stdout_even_with_warnings(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    with (tmp_path / "known.jsonl").open("ab") as handle:
        handle.write(b'{"v": 1, "torn')
    result = invoke("known.jsonl", "--format", "json")
    assert json.loads(result.stdout)["integrity"]["torn_lines"] == 1
    assert "known.jsonl:603: last line is incomplete" in result.stderr


def test_sections_limit_the_document(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    report = json.loads(invoke("known.jsonl", "--format", "json", "--section", "llm", "--section", "health").stdout)
    assert (report["sections"], "overview" in report) == (["llm", "health"], False)


def test_the_table_view_shows_the_verdict_and_the_operations(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    result = invoke("known.jsonl")
    assert result.exit_code == 0 and "planner" in result.stdout and "degraded" in result.stdout


def test_markdown_has_headings_and_tables(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    text = invoke("known.jsonl", "--format", "markdown").stdout
    assert text.startswith("#") and "| " in text and "planner" in text


def test_component_and_time_filters_narrow_the_figures(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    tools = json.loads(invoke("known.jsonl", "--format", "json", "--component", "tool").stdout)
    early = json.loads(invoke("known.jsonl", "--format", "json", "--until", "+0.1s").stdout)
    assert {op["component"] for op in tools["operations"]} == {"tool"}
    assert tools["overview"]["filters"] == {"components": ["tool"]}
    assert early["overview"]["analyzed_events"] == 100  # one event a millisecond, the last at +0.1s excluded


def test_prices_file_prices_the_models(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    (tmp_path / "prices.json").write_text('{"m-small": {"input": 1, "output": 1}}')
    report = json.loads(invoke("known.jsonl", "--format", "json", "--prices", "prices.json").stdout)
    small = next(m for m in report["llm"]["models"] if m["model"] == "m-small")
    assert small["priced_by"] == {"prices_file": small["calls"]} and small["cost_usd"] > 0


def test_a_bad_prices_file_is_a_usage_error(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    (tmp_path / "prices.json").write_text('{"m-small": {"input": -1, "output": 1}}')
    result = invoke("known.jsonl", "--prices", "prices.json")
    assert result.exit_code == 2 and "prices.json" in result.stderr and "Traceback" not in result.stderr


def test_stdin_and_gz_give_the_same_figures_as_the_file(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    data = (tmp_path / "known.jsonl").read_bytes()
    (tmp_path / "known.jsonl.gz").write_bytes(gzip.compress(data))
    plain = json.loads(invoke("known.jsonl", "--format", "json", "--section", "llm").stdout)
    piped = json.loads(invoke("-", "--format", "json", "--section", "llm", input=data).stdout)
    packed = json.loads(invoke("known.jsonl.gz", "--format", "json", "--section", "llm").stdout)
    assert plain["llm"] == piped["llm"] == packed["llm"]


def test_several_runs_are_analysed_together(tmp_path):
    write_known_trace(tmp_path / "a.jsonl")
    data = (tmp_path / "a.jsonl").read_bytes().replace(RUN.encode(), b"20261122-110000-ffffff")
    (tmp_path / "b.jsonl").write_bytes(data)
    report = json.loads(invoke("a.jsonl", "b.jsonl", "--format", "json").stdout)
    assert [r["run_id"] for r in report["overview"]["runs"]] == [RUN, "20261122-110000-ffffff"]
    assert report["overview"]["events"] == 2 * 602 and report["integrity"]["duplicate_ids"] == 0


def test_with_no_trace_the_newest_run_of_the_trace_directory(tmp_path):
    (tmp_path / "debug" / "traces").mkdir(parents=True)
    write_known_trace(tmp_path / "debug" / "traces" / f"{RUN}.0000.jsonl")
    assert json.loads(invoke("--format", "json").stdout)["overview"]["runs"][0]["run_id"] == RUN


@pytest.mark.parametrize("content, code, message", [
    (b"", 3, "no events in"),
    (bytes(range(256)) * 8, 3, "not a trace"),
    (b'{"v": 2, "run_id": "r", "seq": 0}\n', 3, "version 2 is not supported"),
])
def test_unreadable_traces_exit_3_with_one_line(tmp_path, content, code, message):
    (tmp_path / "bad.jsonl").write_bytes(content)
    result = invoke("bad.jsonl")
    lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert (result.exit_code, len(lines), message in result.stderr, "Traceback" in result.stderr) == \
        (code, 1, True, False)


def test_an_invalid_middle_line_is_a_warning_and_strict_makes_it_exit_3(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    lines = (tmp_path / "known.jsonl").read_bytes().split(b"\n")
    lines[5] = b"garbage"
    (tmp_path / "known.jsonl").write_bytes(b"\n".join(lines))
    tolerant = invoke("known.jsonl", "--format", "json")
    strict = invoke("known.jsonl", "--strict")
    assert tolerant.exit_code == 0 and "known.jsonl:6: not JSON" in tolerant.stderr
    assert json.loads(tolerant.stdout)["integrity"]["invalid_lines"] == 1
    assert strict.exit_code == 3 and "known.jsonl:6" in strict.stderr


def test_a_missing_file_and_an_empty_directory_exit_2(tmp_path):
    (tmp_path / "empty").mkdir()
    missing, empty = invoke("nope.jsonl"), invoke("empty")
    assert (missing.exit_code, empty.exit_code) == (2, 2)
    assert "no such trace file: nope.jsonl" in missing.stderr and "no traces in empty" in empty.stderr


@pytest.mark.parametrize("args, message", [
    (["--since", "yesterday"], "not a date and time"),
    (["--slow-threshold", "fast"], "not a duration"),
    (["--component", "robot"], "not a component"),
])
def test_bad_options_are_usage_errors(tmp_path, args, message):
    write_known_trace(tmp_path / "known.jsonl")
    result = invoke("known.jsonl", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_an_empty_trace_is_an_error_whatever_the_sections(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    result = invoke("empty.jsonl", "--section", "health")
    assert result.exit_code == 3 and "no events in empty.jsonl" in result.stderr


def test_unknown_event_types_are_a_warning(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    with (tmp_path / "known.jsonl").open("ab") as handle:
        event = {"v": 1, "run_id": RUN, "seq": 602, "ts": "2026-11-22T11:00:00.000000Z", "event_type": "brand_new",
                 "component": "custom", "name": "x", "span_id": "zz", "parent_id": "r", "status": "completed"}
        handle.write(orjson.dumps(event) + b"\n")
    result = invoke("known.jsonl", "--format", "json")
    assert "event type 'brand_new' is not one this namel3ss-debug knows" in result.stderr
    assert json.loads(result.stdout)["overview"]["unknown_event_types"] == {"brand_new": 1}


def test_a_run_named_twice_is_counted_once(tmp_path):
    write_known_trace(tmp_path / "known.jsonl")
    report = json.loads(invoke("known.jsonl", "./known.jsonl", "--format", "json").stdout)
    assert report["overview"]["events"] == 602


def test_json_output_writes_bidi_overrides_and_c1_controls_as_escapes(tmp_path):
    path = tmp_path / "evil.jsonl"
    write_known_trace(path)
    path.write_bytes(path.read_bytes().replace(b'"planner"', '"plan\u202ener\u009b"'.encode()))
    result = invoke("evil.jsonl", "--format", "json")
    assert "\u202e".encode() not in result.stdout_bytes and "\u009b".encode() not in result.stdout_bytes
    assert any(op["name"] == "plan\u202ener\u009b" for op in json.loads(result.stdout)["operations"])


def test_a_file_of_two_runs_one_after_the_other_reports_each(tmp_path):
    write_known_trace(tmp_path / "a.jsonl")
    first = (tmp_path / "a.jsonl").read_bytes()
    (tmp_path / "both.jsonl").write_bytes(first + first.replace(RUN.encode(), b"20261122-110000-ffffff"))
    report = json.loads(invoke("both.jsonl", "--format", "json").stdout)
    runs = report["overview"]["runs"]
    assert [(r["run_id"], r["events"], r["status"]) for r in runs] == [(RUN, 602, "completed"),
                                                                         ("20261122-110000-ffffff", 602, "completed")]
    assert (report["integrity"]["seq_gaps"], report["integrity"]["duplicate_ids"]) == (0, 0)


# --- a call that recorded no usage: its cost is unknown, never $0 ----------------------------------------------

def stream_without_usage(path):
    """A call priced by genai-prices, then one streamed without include_usage: no usage, no cost_usd."""
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "planner", 100, model="gpt-4o", usage={"input_tokens": 1000, "output_tokens": 100})
    trace.span("llm", "writer", 100, model="gpt-4o")
    trace.run_end()
    return str(trace.write(path))


def test_a_call_without_usage_is_unpriced_in_json_and_the_cost_a_lower_bound(tmp_path):
    document = json.loads(invoke(stream_without_usage(tmp_path / "run.jsonl"), "--format", "json").stdout)
    llm, model = document["llm"], document["llm"]["models"][0]
    assert (llm["unpriced_calls"], llm["no_usage_calls"], model["priced_by"]) == (1, 1, {"genai-prices": 1,
                                                                                         "no_usage": 1})
    assert llm["cost_usd"] == model["cost_usd"] == document["overview"]["cost_usd"] > 0  # the planner's alone
    assert document["overview"]["unpriced_llm_calls"] == 1
    assert document["health"]["verdict"] == "healthy" and "recorded no usage" in document["health"]["notes"][0]
    assert list(Draft202012Validator(load_analyze_schema()).iter_errors(document)) == []


def test_the_table_says_the_cost_is_a_lower_bound_and_why(tmp_path):
    text = " ".join(invoke(stream_without_usage(tmp_path / "run.jsonl")).stdout.split())
    assert "note: 1 LLM call recorded no usage (a stream made without include_usage reports none), so the cost " \
           "is a lower bound" in text
    assert "cost at least $0.0035, 1 unpriced call (1 without usage)" in text  # the LLM section
    assert "cost at least $0.0035, 1 unpriced call errors" in text  # the overview
    assert "no_usage 1" in text  # priced by (the cell may wrap)


def test_a_run_whose_only_call_has_no_usage_has_an_unknown_cost_not_zero(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    trace.span("llm", "writer", 100, model="gpt-4o")
    trace.run_end()
    path = str(trace.write(tmp_path / "run.jsonl"))
    text = " ".join(invoke(path).stdout.split())
    markdown = invoke(path, "--format", "markdown").stdout
    assert "cost unknown, 1 unpriced call (1 without usage)" in text and "$0.00" not in text
    assert "| cost | unknown, 1 unpriced call |" in markdown and "- note: 1 LLM call recorded no usage" in markdown
    assert "$0.00" not in markdown
    assert json.loads(invoke(path, "--format", "json").stdout)["llm"]["cost_usd"] is None


def test_an_error_message_of_several_lines_hangs_under_its_first_line(tmp_path):
    result = invoke(str(multi_line_error_run(tmp_path / "t.jsonl")))
    assert "  - run ended failed with GraphRecursionError: Recursion limit" in result.output
    assert "    You can increase the limit by setting the `recursion_limit` config key." in result.output.splitlines()
    assert hanging_lines(result.output) == []
