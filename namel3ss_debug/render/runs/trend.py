"""The terminal view of `runs --trend`: operations' p50/p95, cost and tokens per day, the error rate, the tools
that fail most, and the runs that regressed against their baseline (the last earlier run of the same entry that did
not crash), which each line names."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ...analysis.trend import DayTrend, Reason, Regression, Trend
from ...ops.runs.listing import RunsListing
from ..analyze.format import NONE, count, cost, duration, percent, usd
from ..analyze.rich import new_table, trace_text
from ..text import plural, visible
from .table import started


def render_trend(console: Console, listing: RunsListing) -> None:
    trend = listing.trend
    assert trend is not None, "render_trend is for a listing made with trend"
    console.print(Text.assemble(("namel3ss-debug runs --trend", "bold"), ": ", trace_text(listing.directory)))
    if not trend.runs:
        console.print("no runs match these options")
        return
    console.print(f"{plural(trend.runs, 'run')}, started {started(trend.first)} to {started(trend.last)} UTC")
    _heading(console, "Errors")
    console.print(error_line(trend))
    _operations(console, trend)
    _days(console, trend)
    _tools(console, trend)
    _regressions(console, trend)


def _heading(console: Console, title: str, note: str = "") -> None:
    console.print()
    console.print(Text.assemble((title, "bold underline"), (f"  {note}" if note else "", "dim")))


def error_line(trend: Trend) -> str:
    rate = trend.errors
    return (f"{rate.with_errors:,} of {plural(rate.runs, 'run')} had errors ({percent(rate.rate)}); "
            f"{rate.with_unhandled:,} had an error escape the app ({percent(rate.unhandled_rate)})")


def _operations(console: Console, trend: Trend) -> None:
    _heading(console, "Operations", "p50/p95 over every span of the runs")
    table = new_table("operation", ">runs", ">spans", ">p50", ">p95", ">errors")
    for op in trend.operations:
        table.add_row(trace_text(op.operation), f"{op.runs:,}", f"{op.spans:,}", duration(op.p50_ms),
                      duration(op.p95_ms), f"{op.errors:,}")
    console.print(table if trend.operations else Text(NONE))


def _days(console: Console, trend: Trend) -> None:
    _heading(console, "Cost and tokens per day", "UTC day of each run's start")
    table = new_table("day", ">runs", ">cost", ">tokens")
    for day in trend.days:
        table.add_row(day.day, f"{day.runs:,}", day_cost(day), count(day.total_tokens))
    console.print(table if trend.days else Text(NONE))


def day_cost(day: DayTrend) -> str:
    """`$0.12`; `at least $0.12 (2 runs unpriced)`; `unknown (2 runs unpriced)`; `-` for a day of no LLM cost."""
    if not day.unpriced_runs:
        return usd(day.cost_usd)
    return f"{cost(day.cost_usd, day.unpriced_runs)} ({plural(day.unpriced_runs, 'run')} unpriced)"


def _tools(console: Console, trend: Trend) -> None:
    _heading(console, "Tools that fail most", "failures per call")
    if not trend.tools:
        console.print("no tool call failed")
        return
    table = new_table("tool", ">calls", ">failures", ">rate", ">runs")
    for tool in trend.tools:
        table.add_row(trace_text(tool.tool), f"{tool.calls:,}", f"{tool.failures:,}", percent(tool.failure_rate),
                      f"{tool.runs:,}")
    console.print(table)


def _regressions(console: Console, trend: Trend) -> None:
    _heading(console, "Regressions", "against the last earlier run of the same entry that did not crash; rules: "
             + ", ".join([*trend.rules, "health worse", "new warning finding"]))
    if not trend.regressions:
        console.print("no run regressed")
        return
    # One line each, not a Rich Table: thousands of runs may regress against the defaults (a table of 2,000 rows
    # took seconds to lay out).
    rows = [(visible(item.run_id), baseline_text(item), visible(item.entry), reasons_text(item).plain)
            for item in trend.regressions]
    widths = [max(len(title), *(len(row[column]) for row in rows)) for column, title in
              enumerate(("run", "baseline", "entry"))]
    lines = ["  ".join(("run".ljust(widths[0]), "baseline".ljust(widths[1]), "entry".ljust(widths[2]),
                        "what regressed"))]
    lines += ["  ".join((row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]), row[3]))
              for row in rows]
    text = Text("\n".join(lines))
    text.stylize("bold", 0, len(lines[0]))
    console.print(text, no_wrap=True, overflow="ellipsis")


def baseline_text(regression: Regression) -> str:
    """The run it was judged against, and the crashed runs passed over since: `R (after 2 crashed runs)`."""
    passed = regression.crashed_between
    return visible(regression.previous) + (f" (after {plural(passed, 'crashed run')})" if passed else "")


def reasons_text(regression: Regression) -> Text:
    return Text("; ".join(reason_text(reason) for reason in regression.reasons))


def reason_text(reason: Reason) -> str:
    """`cost $0.010 -> $0.020 (+100.0%)`, `health healthy -> degraded`, `findings: swallowed_error`."""
    if reason.metric == "findings":
        return "new findings: " + ", ".join(visible(str(kind)) for kind in reason.after)  # type: ignore[attr-defined]
    if reason.metric == "health":
        return f"health {reason.before} -> {reason.after}"
    before, after = _figure(reason.metric, reason.before), _figure(reason.metric, reason.after)
    change = "new" if reason.change is None else (
        f"{reason.change:+.1f}%" if reason.unit == "%" else _signed(reason.metric, reason.change))
    return f"{reason.metric} {before} -> {after} ({change})"


def _figure(metric: str, value: object) -> str:
    if not isinstance(value, (int, float)):
        return NONE
    if metric == "duration":
        return duration(float(value))
    if metric == "cost":
        return usd(float(value))
    return f"{value:,.0f}"


def _signed(metric: str, change: float) -> str:
    sign = "+" if change >= 0 else "-"
    return sign + _figure(metric, abs(change))
