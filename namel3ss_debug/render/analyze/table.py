"""The terminal view of an `analyze` report: a title, the health verdict, then one compact block per section.

The same records as the JSON view (`to_json`), so the two cannot disagree; this view only chooses
what to show and how (durations as `1.24 s`, tokens as `12,345`, costs as `$0.0123`). Where time and money
went is here; what went wrong (errors, patterns, anomalies, integrity) and the critical path are in
`findings`.
"""

from __future__ import annotations

from typing import Callable

from rich.console import Console
from rich.text import Text

from ...analysis.failed_run import outcome_said
from ...analysis.records.report import (
    LlmUsage, ModelUsage, OperationStats, Overview, Report, RunOverview, SlowOperations, ToolStats,
)
from .findings import FINDINGS, SectionView, on_report
from .format import (
    VERDICT_STYLES, ViewStyle, byte_size, cost, count, duration, errors_apart, filters_line, operation, run_ids,
    run_labels, tally, tools_seen, unpriced_calls, wall_time,
)
from .rich import (
    STATUS_STYLES, errors_cell, hanging, latency_cells, new_table, print_key_values, section, styled, success_cell,
    trace_text,
)
from ..event_text import one_line
from ..text import plural

_MAX_TITLE_RUNS = 3
_TIGHT = 80
_WIDE = 110  # columns needed for p90 and p99 beside p50, p95 and max without squeezing the names
_NEAR_CONTEXT_LIMIT = 0.8


def render_report(console: Console, report: Report) -> None:
    """Print `report` on `console`: title, health verdict and reasons, then each section the report has.

    Every text that comes from the trace is printed literally (no markup, no control characters).
    """
    view = ViewStyle.of(report, wide=console.width >= _WIDE, tight=console.width < _TIGHT)
    console.print(_title(report))
    if report.health is not None:
        console.print(_verdict(report.health.verdict))
        for reason in report.health.reasons:
            console.print(hanging("  - ", trace_text(reason)))
        for note in report.health.notes:
            console.print(hanging("  note: ", trace_text(note, "yellow")))
    for render in _SECTIONS.values():
        render(console, report, view)


def _title(report: Report) -> Text:
    """`namel3ss-debug analyze: run R`, or the first few runs of many."""
    title = ("namel3ss-debug analyze", "bold")
    runs = run_ids(report)
    if len(runs) == 1:
        return Text.assemble(title, ": run ", trace_text(runs[0], "bold"))
    if runs:
        more = f" +{len(runs) - _MAX_TITLE_RUNS} more" if len(runs) > _MAX_TITLE_RUNS else ""
        return Text.assemble(title, f": {len(runs)} runs ", trace_text(", ".join(runs[:_MAX_TITLE_RUNS])), more)
    return Text.assemble(title)


def _verdict(verdict: str) -> Text:
    style = VERDICT_STYLES.get(verdict, "")
    return Text.assemble(("health: ", "bold"), trace_text(verdict, f"bold {style}".strip()))


def _overview(console: Console, overview: Overview, view: ViewStyle) -> None:
    section(console, "overview")
    print_key_values(console, _overview_rows(overview))


def _overview_rows(overview: Overview) -> list[tuple[str, Text]]:
    """Label and value of each overview line; optional lines only when they say something."""
    rows: list[tuple[str, Text]] = []
    for run in overview.runs:
        rows += [("run", _run_line(run)), *((label, trace_text(names)) for label, names in run_labels(run))]
    rows.append(("events", Text(f"{count(overview.events)} read, {count(overview.analyzed_events)} analysed")))
    if overview.filters:
        rows.append(("filters", trace_text(filters_line(overview.filters))))
    spans = f" ({tally(overview.spans_by_component)})" if overview.spans_by_component else ""
    rows += [
        ("duration", Text(wall_time(overview.duration_ms, overview.startup_ms, overview.work_ms))),
        ("spans", Text(count(overview.spans)) + trace_text(spans)),
        ("instants", Text(count(overview.instants))),
        ("calls", Text(f"{count(overview.llm_calls)} LLM, {count(overview.tool_calls)} tool"
                       + tools_seen(overview.wire_tool_calls, overview.unseen_tool_calls))),
        ("tokens", Text(count(overview.total_tokens))),
        ("cost", Text(cost(overview.cost_usd, overview.unpriced_llm_calls)
                      + unpriced_calls(overview.unpriced_llm_calls, 0))),
        ("errors", _errors_line(overview)),
        ("event types", trace_text(tally(overview.event_types) or "none")),
    ]
    if overview.unknown_event_types:
        rows.append(("unknown types", trace_text(tally(overview.unknown_event_types), "yellow")))
    rows.append(("read", Text(byte_size(overview.bytes_read))))
    return rows


def _run_line(run: RunOverview) -> Text:
    """`R  completed  1.24 s  120 events  exit 0  entry script app.py  debug/traces/R.0000.jsonl (2 files)`; the
    run's outcome (`failed (gave up)` for a run that gave up), not its `run_end`'s status."""
    parts: list[str | Text | tuple[str, str]] = [
        trace_text(run.run_id, "bold"), "  ",
        trace_text(outcome_said(run.outcome or run.status, None, run.gave_up),
                   STATUS_STYLES.get(run.outcome or run.status, "")),
        f"  {duration(run.duration_ms)}  {count(run.events)} {'event' if run.events == 1 else 'events'}"]
    if run.exit_code is not None:
        parts.append((f"  exit {run.exit_code}", "red" if run.exit_code else ""))
    if run.entry:
        parts += ["  entry ", trace_text(run.entry)]
    if run.rerun_of is not None:
        parts.append(("  " + run.rerun_of.said(one_line), "yellow"))  # one line, controls written out
    files = f" ({plural(len(run.files), 'file')})" if len(run.files) > 1 else ""
    return Text.assemble(*parts, "  ", trace_text(run.source + files, "dim"))


def _errors_line(overview: Overview) -> Text:
    text = (f"{errors_apart(overview.errors, overview.handled_errors, overview.unhandled_errors)}, "
            f"{plural(overview.failed_spans, 'failed span')}")
    return Text(text, style="red" if overview.errors or overview.failed_spans else "")


def _stats(key: str, with_name: bool) -> Callable[[Console, list[OperationStats], ViewStyle], None]:
    """The renderer of the components (`with_name` False) or operations table."""
    def render(console: Console, rows: list[OperationStats], view: ViewStyle) -> None:
        if not rows:
            section(console, key, Text("none", style="dim"))
            return
        percentiles = [f">{heading}" for heading, _ in view.percentiles()]
        success = [] if view.tight else [">success"]
        table = new_table("operation" if with_name else "component", ">count", ">errors", *success, *percentiles)
        for row in rows:
            label = operation(row.component, row.name, row.kind) if with_name else row.component
            rate = [] if view.tight else [success_cell(row.success_rate)]
            table.add_row(trace_text(label), count(row.count), errors_cell(row.errors), *rate,
                          *latency_cells(row.latency, view))
        section(console, key, table)
    return render


def _slow(console: Console, slow: SlowOperations, view: ViewStyle) -> None:
    section(console, "slow", Text(f"{plural(slow.count, 'span')} over {duration(slow.threshold_ms)}"))
    if not slow.top:
        return
    several = view.only_run is None
    table = new_table(">duration", "status", "operation", *(["run"] if several else []), ">seq", "span")
    for span in slow.top:
        ref = span.ref
        run = [trace_text(ref.run_id)] if several else []
        table.add_row(duration(span.duration_ms), styled(span.status, STATUS_STYLES),
                      trace_text(operation(ref.component, ref.name, ref.kind)), *run, str(ref.seq),
                      trace_text(ref.span_id))
    console.print(table)


def _llm(console: Console, llm: LlmUsage, view: ViewStyle) -> None:
    unpriced = unpriced_calls(llm.unpriced_calls, llm.no_usage_calls)
    section(console, "llm", Text(f"{plural(llm.calls, 'call')}, {count(llm.total_tokens)} tokens (in "
                                 f"{count(llm.input_tokens)}, out {count(llm.output_tokens)}), "
                                 f"cost {cost(llm.cost_usd, llm.unpriced_calls)}{unpriced}"))
    if not llm.models:
        return
    total = [">total"] if view.wide else []  # the note above has the total; a narrow table needs the room
    table = new_table("model", ">calls", ">input", ">output", *total, ">cost", "priced by", ">max input")
    for model in llm.models:
        tokens = [count(model.input_tokens), count(model.output_tokens)]
        tokens += [count(model.total_tokens)] if view.wide else []
        table.add_row(trace_text(model.model), count(model.calls), *tokens,
                      cost(model.cost_usd, model.unpriced_calls),
                      trace_text(tally(model.priced_by)), _max_input(model))
    console.print(table)


def _max_input(model: ModelUsage) -> Text:
    """The largest input, with its share of the context window when known (yellow when near it)."""
    if not model.context_window:
        return Text(count(model.max_input_tokens))
    share = model.max_input_tokens / model.context_window
    shown = "<1%" if 0 < share < 0.005 else f"{share:.0%}"
    return Text(f"{count(model.max_input_tokens)} ({shown})", style="yellow" if share >= _NEAR_CONTEXT_LIMIT else "")


def _tools(console: Console, tools: list[ToolStats], view: ViewStyle) -> None:
    if not tools:
        section(console, "tools", Text("none", style="dim"))
        return
    # A narrow table leaves the error types to the errors section, which lists them with examples.
    types = ["error types"] if view.wide else []
    if view.tight:  # the name and what matters most: how often, how often it failed, how slow
        table = new_table("tool", ">calls", ">failed", ">unhandled", ">p95")
        for tool in tools:
            table.add_row(trace_text(tool.name), count(tool.calls), errors_cell(tool.failures),
                          errors_cell(tool.unhandled_failures), duration(tool.latency.p95_ms))
        section(console, "tools", table)
        return
    table = new_table("tool", ">calls", ">failed", ">handled", ">unhandled", ">success", ">p50", ">p95", ">max",
                      ">repeats", *types)
    for tool in tools:
        latency = tool.latency
        errors = [trace_text(tally(tool.error_types))] if view.wide else []
        table.add_row(trace_text(tool.name), count(tool.calls), errors_cell(tool.failures),
                      errors_cell(tool.handled_failures), errors_cell(tool.unhandled_failures),
                      success_cell(tool.success_rate), duration(latency.p50_ms), duration(latency.p95_ms),
                      duration(latency.max_ms), count(tool.repeated_identical_calls), *errors)
    section(console, "tools", table)


_SECTIONS: dict[str, SectionView] = {
    "overview": on_report(lambda report: report.overview, _overview),
    "components": on_report(lambda report: report.components, _stats("components", with_name=False)),
    "operations": on_report(lambda report: report.operations, _stats("operations", with_name=True)),
    "slow": on_report(lambda report: report.slow, _slow),
    "llm": on_report(lambda report: report.llm, _llm),
    "tools": on_report(lambda report: report.tools, _tools),
    **FINDINGS,
}
