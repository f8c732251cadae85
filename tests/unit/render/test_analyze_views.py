"""The three views of an `analyze` report (JSON, terminal table, Markdown) and the shipped JSON Schema.

Reports are built by hand (`make_report`), so these tests pin the rendering, not the analysis.
"""

from __future__ import annotations

import io
import re

import orjson
import pytest
from jsonschema import Draft202012Validator
from msgspec.structs import replace
from rich.console import Console

from namel3ss_debug.analysis.records.findings import Blame, BlameLink, Diagnosis, Evidence, Finding
from namel3ss_debug.analysis.records.report import (
    REPORT_SCHEMA,
    SECTIONS,
    Anomalies,
    Anomaly,
    CriticalPath,
    ErrorExample,
    Errors,
    ErrorType,
    Health,
    Integrity,
    Latency,
    LlmUsage,
    Loop,
    ModelUsage,
    OperationStats,
    Overview,
    PathStep,
    Patterns,
    Ref,
    RepeatedCall,
    Report,
    Retry,
    RunOverview,
    SlowOperations,
    SlowSpan,
    ToolStats,
)
from namel3ss_debug.render.analyze.analyze_json import render_json, report_to_dict
from namel3ss_debug.render.analyze.format import TITLES, duration, tools_seen, usd
from namel3ss_debug.render.analyze.markdown import render_markdown
from namel3ss_debug.render.analyze.table import render_report
from namel3ss_debug.schemas import analyze_schema_path, load_analyze_schema

MARKUP = "[bold red]x[/]"
CONTROL = "boom\x1b[2J"
HOSTILE_NAME = "a|b <script>alert(1)</script>"
RUN = "20261122-090428-abc123"


def ref(seq: int, name: str = "search", component: str = "tool", span: str = "00000000000000a1") -> Ref:
    return Ref(run_id=RUN, seq=seq, span_id=span, component=component, name=name)


def latency(p50: float = 12.3456, top: float = 1240.0) -> Latency:
    return Latency(count=4, total_ms=1500.0, mean_ms=375.0, p50_ms=p50, p90_ms=900.0, p95_ms=1100.0, p99_ms=1230.0,
                   max_ms=top)


def make_overview() -> Overview:
    run = RunOverview(run_id=RUN, source="v1", files=["debug/traces/r.0000.jsonl"], entry="app.py",
                      status="completed", started="2026-11-22T09:04:28.000000Z", ended="2026-11-22T09:06:31.000000Z",
                      duration_ms=123000.0, events=42, exit_code=0)
    return Overview(runs=[run], events=42, analyzed_events=40, event_types={"tool_call_end": 4, "llm_call_end": 2},
                    unknown_event_types={}, spans=8, spans_by_component={"tool": 4, "llm": 2, "agent": 2},
                    instants=3, llm_calls=2, tool_calls=4, total_tokens=12345, cost_usd=0.0123456789012,
                    errors=2, failed_spans=3, duration_ms=123000.0, bytes_read=20480, filters={})


def make_report(name: str = "search", message: str = "rate limited", *, full: bool = True,
                verdict: str = "degraded") -> Report:
    """A report with every section filled (`full`), or only overview and health.

    `name` is used as a tool, operation, model and agent name and `message` as an error, anomaly, reason and
    problem text, so a hostile string reaches every place trace text is shown.
    """
    health = Health(verdict=verdict, reasons=[f"{message} (x2)"])
    sections = list(SECTIONS) if full else ["overview", "health"]
    report = Report(schema=REPORT_SCHEMA, generated_by="namel3ss-debug 0.1.0", sections=sections,
                    overview=make_overview(), health=health, settings={"slow_ms": 1000})
    if not full:
        return report
    stats = OperationStats(component="tool", name=name, count=4, errors=1, success_rate=0.75, latency=latency(),
                           kind="tool_call")
    return replace(
        report,
        components=[replace(stats, name=None, instants=3, kind=None)],
        operations=[stats],
        slow=SlowOperations(threshold_ms=1000.0, count=1, top=[SlowSpan(ref(7, name), 1240.0, "failed")],
                            by_operation={f"tool:{name}": 1}),
        llm=make_llm(name),
        tools=[ToolStats(name=name, calls=4, failures=1, success_rate=0.75, latency=latency(),
                         error_types={"RateLimitError": 1}, repeated_identical_calls=2)],
        errors=Errors(total=2, failed_spans=3, error_events=1, by_category={"rate_limit": 2},
                      by_type=[ErrorType(type="RateLimitError", category="rate_limit", count=2,
                                         examples=[ErrorExample(ref(9, name), message)])]),
        patterns=make_patterns(name),
        anomalies=Anomalies(counts={"latency": 1}, items=[
            Anomaly(kind="latency", severity="critical", message=message, value=1240.0, threshold=600.0,
                    ref=ref(7, name))]),
        integrity=Integrity(ok=False, unclosed_spans=1, ends_without_start=0, orphan_parents=0, duplicate_ids=0,
                            seq_gaps=2, torn_lines=1, invalid_lines=0, dropped_fields=0, runs_not_ended=1,
                            tracer_dropped_events=0, tracer_errors=0, unrecorded_llm_requests=2,
                            problems=[f"r.0000.jsonl:17: {message}"]),
        critical_path=[CriticalPath(run_id=RUN, total_ms=2000.0, steps=[
            PathStep(component="tool", name=name, ms=1500.0, spans=3, share=0.75, kind="tool_call"),
            PathStep(component="agent", name="planner", ms=500.0, spans=1, share=0.25, kind="agent_turn")])],
        findings=make_diagnosis(name, message),
    )


def make_diagnosis(name: str, message: str) -> Diagnosis:
    """A finding and a blame quoting `name` and `message` where a diagnosis quotes the trace."""
    evidence = Evidence(ref(5, name), f"raised {message}", f"tool:{name}#1", "debug/traces/r.0000.jsonl:6", name)
    finding = Finding("tool_failing_repeatedly", "critical", "high", f"{name} failed 3 times with {message}",
                      f"3 failures of {name} (threshold 3, diagnose_tool_failures)", f"fix {name}'s arguments",
                      [evidence], RUN, agent=name, setting="diagnose_tool_failures",
                      figures={"count": 3.0, "saved_ms": 12.3456789}, occurrences=2)
    blame = Blame(RUN, f"run ended failed with {message}", name, evidence, "high", f"rule 1: {name} raised",
                  [BlameLink(evidence, "decisive", f"{name} raised {message}")], "tool_failing_repeatedly")
    return Diagnosis([finding], [blame], {"info": 0, "warning": 0, "critical": 1}, [RUN])


def make_llm(model: str) -> LlmUsage:
    usage = ModelUsage(model=model, calls=2, input_tokens=12000, output_tokens=345, total_tokens=12345,
                       cost_usd=0.0123456789012, priced_by={"genai-prices": 2}, context_window=128000,
                       max_input_tokens=7000)
    return LlmUsage(calls=2, input_tokens=12000, output_tokens=345, total_tokens=12345, cost_usd=0.0123456789012,
                    unpriced_calls=0, models=[usage])


def make_patterns(name: str) -> Patterns:
    return Patterns(
        retries=[Retry(component="tool", name=name, retries=2, recovered=1, first=ref(5, name))],
        repeated_calls=[RepeatedCall(component="tool", name=name, calls=3, duplicates=2, duplicate_ms=850.0,
                                     first=ref(5, name))],
        loops=[Loop(agent=name, ref=ref(2, name, "agent"), cycle=[f"tool:{name}", "llm:gpt"], repetitions=4,
                    first_seq=11)])


def two_runs(report: Report) -> Report:
    """`report` as if it covered a second run too, so references must name their run."""
    other = replace(report.overview.runs[0], run_id="20261122-100000-def456")
    return replace(report, overview=replace(report.overview, runs=[*report.overview.runs, other]))


def rendered(report: Report, force_terminal: bool = False, width: int = 120,
             environ: dict[str, str] | None = None) -> Console:
    """The report printed on a recording Console; `console.file.getvalue()` is what a terminal would receive.

    The Console reads `environ` (by default none: no NO_COLOR), never the environment the tests run in."""
    colours = "standard" if force_terminal else "auto"  # an explicit colour system would colour a pipe too
    console = Console(file=io.StringIO(), record=True, width=width, force_terminal=force_terminal,
                      color_system=colours, _environ=environ or {})
    render_report(console, report)
    return console


def validation_errors(document: dict) -> list[str]:
    validator = Draft202012Validator(load_analyze_schema())
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]


# --- JSON and its schema -------------------------------------------------------------------------------------------

def test_the_shipped_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert analyze_schema_path().is_file()
    Draft202012Validator.check_schema(load_analyze_schema())


@pytest.mark.parametrize("full", [True, False], ids=["full", "minimal"])
def test_json_validates_against_the_schema(full: bool) -> None:
    assert validation_errors(orjson.loads(render_json(make_report(full=full)))) == []


def test_schema_rejects_an_unknown_key_and_an_unknown_verdict() -> None:
    document = report_to_dict(make_report())
    document["overview"]["surprise"] = 1
    document["health"]["verdict"] = "fine"
    assert len(validation_errors(document)) == 2


# Each record of report.py and the schema definition describing it.
SCHEMA_DEFS = {"ref": Ref, "latency": Latency, "operationStats": OperationStats, "runOverview": RunOverview,
               "overview": Overview, "slowSpan": SlowSpan, "slowOperations": SlowOperations,
               "modelUsage": ModelUsage, "llmUsage": LlmUsage, "toolStats": ToolStats,
               "errorExample": ErrorExample, "errorType": ErrorType, "errors": Errors, "retry": Retry,
               "repeatedCall": RepeatedCall, "loop": Loop, "patterns": Patterns, "anomaly": Anomaly,
               "anomalies": Anomalies, "integrity": Integrity, "pathStep": PathStep, "criticalPath": CriticalPath,
               "health": Health, "evidence": Evidence, "finding": Finding, "blameLink": BlameLink, "blame": Blame,
               "diagnosis": Diagnosis}


@pytest.mark.parametrize("definition, record", [(Report.__name__, Report), *SCHEMA_DEFS.items()],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_schema_describes_exactly_the_fields_of_each_record(definition: str, record: type) -> None:
    schema = load_analyze_schema()
    node = schema if record is Report else schema["$defs"][definition]
    names = list(record.__struct_fields__)
    assert (list(node["properties"]), sorted(node["required"])) == (names, sorted(
        name for name in names if record is not Report or name in ("schema", "generated_by", "sections", "settings",
                                                                  "run_ids")))


def test_every_schema_property_has_a_description() -> None:
    missing = []

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            missing.extend(f"{path}.{key}" for key, value in node.get("properties", {}).items()
                           if "description" not in value)
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for value in node:
                walk(value, path)

    walk(load_analyze_schema(), "")
    assert missing == []


def test_json_starts_with_the_schema_key_and_is_indented_by_two() -> None:
    text = render_json(make_report()).decode()
    assert text.startswith('{\n  "schema": "namel3ss-debug/analyze/v1",')


def test_json_round_trips_the_figures_with_sensible_rounding() -> None:
    document = orjson.loads(render_json(make_report()))
    assert document["overview"]["total_tokens"] == 12345
    assert document["llm"]["cost_usd"] == 0.012345679  # 8 significant digits
    assert document["operations"][0]["latency"]["p50_ms"] == 12.346  # ms to 3 decimals
    assert document["critical_path"][0]["steps"][0]["share"] == 0.75
    assert document["errors"]["by_type"][0]["examples"][0]["ref"]["seq"] == 9


def test_json_keeps_integers_exact_and_nulls_inside_records() -> None:
    document = report_to_dict(make_report())
    assert type(document["overview"]["events"]) is int
    assert document["components"][0]["name"] is None


def test_json_keys_are_the_dataclass_field_names() -> None:
    document = report_to_dict(make_report())
    assert list(document["slow"]) == ["threshold_ms", "count", "top", "by_operation"]
    assert list(document["slow"]["top"][0]["ref"]) == ["run_id", "seq", "span_id", "component", "name", "kind"]


def test_json_leaves_out_sections_that_are_none() -> None:
    document = report_to_dict(make_report(full=False))
    assert list(document) == ["schema", "generated_by", "sections", "overview", "health", "settings", "run_ids"]


# --- Markdown ------------------------------------------------------------------------------------------------------

def test_markdown_has_a_heading_per_section() -> None:
    text = render_markdown(make_report())
    assert [line[3:] for line in text.splitlines() if line.startswith("## ")] == [
        TITLES[key] for key in ("health", *[key for key in SECTIONS if key != "health"])]


def test_markdown_of_a_minimal_report_has_only_its_sections() -> None:
    headings = [line for line in render_markdown(make_report(full=False)).splitlines() if line.startswith("## ")]
    assert headings == ["## Health", "## Overview"]


def test_markdown_names_the_run_in_references_only_when_there_are_several() -> None:
    assert f"{RUN} seq 9" not in render_markdown(make_report())
    assert f"{RUN} seq 9" in render_markdown(two_runs(make_report()))


def test_markdown_escapes_a_name_that_would_break_a_table_or_inject_html() -> None:
    text = render_markdown(make_report(name=HOSTILE_NAME))
    assert "<script>" not in text
    assert "a\\|b &lt;script&gt;alert(1)&lt;/script&gt;" in text
    tool_rows = [line for line in text.splitlines() if line.startswith("| a\\|b")]
    assert tool_rows  # the tools table
    for line in tool_rows:
        unescaped_pipes = len(re.findall(r"(?<!\\)\|", line))
        header = text.splitlines()[text.splitlines().index(line) - 2]
        assert unescaped_pipes == header.count("|")


@pytest.mark.parametrize("raw, escaped", [
    ("*bold*", "\\*bold\\*"), ("_x_", "\\_x\\_"), ("`code`", "\\`code\\`"), ("[a](b)", "\\[a\\](b)"),
    ("back\\slash", "back\\\\slash"), ("line\nbreak", "line break"), (CONTROL, "boom\\\\x1b\\[2J"),
])
def test_markdown_shows_trace_text_literally(raw: str, escaped: str) -> None:
    assert escaped in render_markdown(make_report(message=raw))


# --- the terminal table --------------------------------------------------------------------------------------------

def test_table_shows_title_verdict_and_key_figures() -> None:
    text = rendered(make_report()).export_text()
    for expected in (f"run {RUN}", "health: degraded", "12,345", "$0.0123", "1.24 s", "2 m 03 s", "850 ms",
                     "75.0%", "genai-prices 2", "7,000 (5%)", "RateLimitError", "seq 9", "00000000000000a1",
                     "25.0%", "agent_turn:planner"):
        assert expected in text, expected


def test_table_leaves_the_run_out_of_references_when_the_report_has_one_run() -> None:
    text = rendered(make_report()).export_text()
    assert "seq 9" in text and f"{RUN} seq 9" not in text


def test_table_names_the_run_in_references_when_the_report_has_several() -> None:
    text = rendered(two_runs(make_report())).export_text()
    assert f"{RUN} seq 9" in text and "2 runs" in text


def test_table_shows_anomaly_figures_in_the_unit_of_their_kind() -> None:
    row = next(line for line in rendered(make_report()).export_text().splitlines() if line.startswith("critical"))
    assert "1.24 s" in row and "600 ms" in row


def test_a_narrow_table_keeps_names_whole_by_showing_fewer_percentiles() -> None:
    text = rendered(make_report(name="search_documents_v2"), width=80).export_text()
    assert "tool:search_documents_v2" in text
    assert " p90 " not in text and " p95 " in text


def test_table_shows_every_section_title() -> None:
    text = rendered(make_report()).export_text()
    assert all(TITLES[key] in text for key in SECTIONS if key != "health")


def test_table_of_a_minimal_report_shows_only_overview_and_health() -> None:
    text = rendered(make_report(full=False)).export_text()
    assert "Overview" in text and "health: degraded" in text
    assert "Components" not in text and "Critical path" not in text


def test_both_views_show_the_filters_as_given() -> None:
    report = make_report(full=False)
    filters = {"components": ["tool", "llm"], "since": "+30s"}
    report = replace(report, overview=replace(report.overview, filters=filters))
    assert "components=tool,llm, since=+30s" in rendered(report).export_text()
    assert "components=tool,llm, since=+30s" in render_markdown(report)


def test_table_integrity_is_one_ok_line_when_the_trace_is_sound() -> None:
    report = make_report()
    sound = replace(report.integrity, ok=True, unclosed_spans=0, seq_gaps=0, torn_lines=0, runs_not_ended=0,
                    problems=[])
    lines = rendered(replace(report, integrity=sound)).export_text().splitlines()
    assert lines[lines.index("Integrity") + 1] == "ok"


def test_table_integrity_lists_counts_and_problems_when_not_sound() -> None:
    text = rendered(make_report()).export_text()
    assert "seq gaps" in text and "r.0000.jsonl:17: rate limited" in text


@pytest.mark.parametrize("verdict, code", [("healthy", "32"), ("degraded", "33"), ("failing", "31")])
def test_table_verdict_is_coloured_by_meaning(verdict: str, code: str) -> None:
    output = rendered(make_report(full=False, verdict=verdict), force_terminal=True).file.getvalue()
    assert re.search(rf"\x1b\[[0-9;]*{code}m{verdict}", output)


def test_table_verdict_is_not_coloured_under_no_color() -> None:
    output = rendered(make_report(full=False, verdict="failing"), force_terminal=True,
                      environ={"NO_COLOR": "1"}).file.getvalue()
    assert "failing" in output and not re.search(r"\x1b\[[0-9;]*31m", output)


@pytest.mark.parametrize("force_terminal", [False, True], ids=["plain", "terminal"])
def test_table_shows_markup_and_control_characters_in_trace_text_literally(force_terminal: bool) -> None:
    console = rendered(make_report(name=MARKUP, message=CONTROL), force_terminal=force_terminal)
    raw = console.file.getvalue()
    visible_text = console.export_text()
    assert MARKUP in visible_text
    assert "boom\\x1b[2J" in visible_text
    # The only escape sequences are Rich's own colours (SGR, ending in `m`); none at all without a terminal.
    assert re.sub(r"\x1b\[[0-9;]*m", "", raw).count("\x1b") == 0
    assert ("\x1b" in raw) is force_terminal


def test_table_shows_the_blame_then_the_findings_with_their_evidence_places() -> None:
    text = rendered(make_report()).export_text()
    blame, finding = text.index("decisive step"), text.index("tool_failing_repeatedly (high confidence")
    assert blame < finding
    assert "tool:search#1  seq 5  debug/traces/r.0000.jsonl:6" in text
    assert "setting: diagnose_tool_failures" in text and "2 times" in text


def test_json_rounds_a_findings_figures_by_their_own_names() -> None:
    figures = report_to_dict(make_report())["findings"]["findings"][0]["figures"]
    assert figures == {"count": 3.0, "saved_ms": 12.346}


def test_table_keeps_emoji_codes_in_trace_text_literal() -> None:
    assert ":smile:" in rendered(make_report(name=":smile:")).export_text()


# --- formatting ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ms, text", [(0.42, "0.42 ms"), (850, "850 ms"), (999.7, "1.00 s"), (1240, "1.24 s"),
                                      (123_000, "2 m 03 s"), (3_900_000, "1 h 05 m"), (None, "-")])
def test_durations_read_naturally(ms: float | None, text: str) -> None:
    assert duration(ms) == text


@pytest.mark.parametrize("amount, text", [(0.0123, "$0.0123"), (0.0000123, "$0.000012"), (12.5, "$12.50"),
                                          (0, "$0.00"), (None, "-")])
def test_costs_show_enough_digits(amount: float | None, text: str) -> None:
    assert usd(amount) == text


def test_a_narrow_terminal_keeps_the_names_and_drops_figures():
    text = rendered(make_report(name="search_documents"), width=60).export_text()
    tools = text[text.index("Tools"):text.index("Errors")]
    assert "search_documents" in tools and "p95" in tools and "p50" not in tools
    assert max(len(line) for line in text.splitlines()) <= 60


def test_the_calls_line_says_which_tools_no_hook_recorded_and_which_were_not_seen_run() -> None:
    report = make_report()
    report = replace(report, overview=replace(
        report.overview, wire_tool_calls=3, unseen_tool_calls=1))
    said = "2 LLM, 4 tool; 3 seen on the wire only (no hook recorded them: a rerun runs them again); " \
           "1 asked for, not seen run"
    assert said in rendered(report, width=200).export_text()
    assert said in render_markdown(report)
    assert "seen on the wire" not in rendered(make_report(), width=200).export_text()


def test_one_tool_seen_on_the_wire_is_it() -> None:
    assert tools_seen(1, 0) == "; 1 seen on the wire only (no hook recorded it: a rerun runs it again)"
    assert tools_seen(0, 0) == ""
