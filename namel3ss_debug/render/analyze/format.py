"""Figures of an `analyze` report as short human text, shared by the terminal and Markdown views.

Both views format numbers here, so a duration or a cost reads the same in a terminal and in a PR comment.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional

from ...analysis.records.report import INTEGRITY_COUNTS as INTEGRITY_FIELDS
from ...analysis.records.refs import Ref
from ...analysis.records.report import Report, RunOverview
from ...analysis.stats import op_label

TITLES = {
    "health": "Health",
    "overview": "Overview",
    "components": "Components",
    "operations": "Operations",
    "slow": "Slow operations",
    "llm": "LLM usage",
    "tools": "Tools",
    "errors": "Errors",
    "patterns": "Patterns",
    "anomalies": "Anomalies",
    "integrity": "Integrity",
    "critical_path": "Critical path",
    "findings": "Findings",
}

VERDICT_STYLES = {"healthy": "green", "degraded": "yellow", "stopped": "yellow", "failing": "red"}

# Column headings of a latency table, with the Latency field each one shows.
PERCENTILES = (("p50", "p50_ms"), ("p90", "p90_ms"), ("p95", "p95_ms"), ("p99", "p99_ms"), ("max", "max_ms"))

# Integrity counts, with the label both views give them.
INTEGRITY_COUNTS = {key: key.replace("_", " ") for key in INTEGRITY_FIELDS}

NONE = "-"
_BREAKS = re.compile(r"[ \t\r\n]+")
_EIGHTHS = " ▏▎▍▌▋▊▉"


def duration(ms: Optional[float]) -> str:
    """`0.42 ms`, `850 ms`, `1.24 s`, `2 m 03 s`, `1 h 05 m`: precise when short, readable when long.

    >>> duration(850), duration(1240), duration(123_000)
    ('850 ms', '1.24 s', '2 m 03 s')
    """
    if ms is None:
        return NONE
    if round(ms, 1) < 10:
        return f"{ms:.2f} ms" if ms < 1 else f"{ms:.1f} ms"
    if round(ms) < 1000:
        return f"{ms:.0f} ms"
    if round(ms / 1000, 2) < 60:
        return f"{ms / 1000:.2f} s"
    seconds = round(ms / 1000)
    if seconds < 3600:
        return f"{seconds // 60} m {seconds % 60:02d} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} m"


def wall_time(duration_ms: Optional[float], startup_ms: Optional[float], work_ms: Optional[float]) -> str:
    """The runs' duration, and its start-up and work apart when the trace recorded the start-up.

    >>> wall_time(3612, 3420, 192), wall_time(850, None, None)
    ('3.61 s (start-up 3.42 s, work 192 ms)', '850 ms')
    """
    if startup_ms is None or work_ms is None:
        return duration(duration_ms)
    return f"{duration(duration_ms)} (start-up {duration(startup_ms)}, work {duration(work_ms)})"


def count(value: Optional[int]) -> str:
    """`12,345`: thousands separators, for tokens and any count that can grow large."""
    return NONE if value is None else f"{value:,}"


def usd(amount: Optional[float]) -> str:
    """`$0.0123`; below a cent, two significant digits, so a cheap run does not read as `$0.0000`."""
    if amount is None:
        return NONE
    if amount == 0:
        return "$0.00"
    if abs(amount) >= 1:
        return f"${amount:,.2f}"
    if abs(amount) >= 0.01:
        return f"${amount:.4f}"
    decimals = 1 - math.floor(math.log10(abs(amount)))
    return f"${amount:.{decimals}f}"


def cost(amount: Optional[float], unpriced: int) -> str:
    """A cost that owns up to what it leaves out: `$0.0123`; `at least $0.0123` when some calls could not be
    priced; `unknown` when none could, or when those priced cost nothing (a rerun stopped at a miss: `at least
    $0.00` says nothing known). Calls nothing priced never read as `$0.00`.

    >>> cost(0.0123, 0), cost(0.0123, 2), cost(None, 2), cost(0.0, 1)
    ('$0.0123', 'at least $0.0123', 'unknown', 'unknown')
    """
    if not unpriced:
        return usd(amount)
    return "unknown" if not amount else f"at least {usd(amount)}"


def unpriced_calls(unpriced: int, no_usage: int) -> str:
    """`, 2 unpriced calls (1 without usage)`: the calls a cost leaves out, and why; empty when none.

    >>> unpriced_calls(2, 1), unpriced_calls(0, 0)
    (', 2 unpriced calls (1 without usage)', '')
    """
    if not unpriced:
        return ""
    why = f" ({no_usage} without usage)" if no_usage else ""
    return f", {unpriced} unpriced call{'' if unpriced == 1 else 's'}{why}"


def tools_seen(wire: int, unseen: int) -> str:
    """What the tool calls' count leaves out: those no hook recorded (recorded from the wire, from the request that
    carried each result), and those the model asked for that nothing saw run; empty when neither.

    >>> tools_seen(2, 1)
    '; 2 seen on the wire only (no hook recorded them: a rerun runs them again); 1 asked for, not seen run'
    """
    said = ""
    if wire:
        them = "it" if wire == 1 else "them"
        said += f"; {wire} seen on the wire only (no hook recorded {them}: a rerun runs {them} again)"
    if unseen:
        said += f"; {unseen} asked for, not seen run"
    return said


def errors_apart(total: int, handled: int, unhandled: int) -> str:
    """`2 errors (1 handled, 1 unhandled)`: an error count with how many the app survived and how many escaped it.

    >>> errors_apart(1, 1, 0), errors_apart(0, 0, 0)
    ('1 error (1 handled, 0 unhandled)', '0 errors')
    """
    text = f"{total:,} error" + ("" if total == 1 else "s")
    return f"{text} ({handled:,} handled, {unhandled:,} unhandled)" if total else text


def percent(fraction: Optional[float]) -> str:
    """`97.5%` from a fraction between 0 and 1."""
    return NONE if fraction is None else f"{fraction * 100:.1f}%"


def byte_size(size: int) -> str:
    """`512 B`, `1.5 KB`, `12.3 MB` (powers of 1024)."""
    if size < 1024:
        return f"{size} B"
    exponent = min((size.bit_length() - 1) // 10, 4)  # exact, where log(size, 1024) can fall short
    return f"{size / 1024 ** exponent:.1f} {'KMGT'[exponent - 1]}B"


def number(value: float) -> str:
    """A figure without a known unit: `1,240`, `12.35`, `0.3333` (never an exponent)."""
    if float(value).is_integer() or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def anomaly_figure(kind: str, value: float) -> str:
    """An anomaly's value or threshold in the unit of its kind (see the schema's `anomaly.value`)."""
    if kind in ("latency", "blocking"):
        return duration(value)
    if kind == "error_spike":
        return percent(value)
    if kind == "memory_growth":
        return f"{value:,.0f} MB"
    if kind == "context_limit":
        return f"{value:,.0f} tokens"
    return number(value)


def tally(counts: dict[str, int]) -> str:
    """`genai-prices 3, unpriced 1`: a dict of counts as one line, largest first (raw trace text)."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{key} {value:,}" for key, value in ordered)


def filters_line(filters: dict[str, object]) -> str:
    """`components=tool,llm, since=+30s`: the filters applied, as given (raw trace text)."""
    def shown(value: object) -> str:
        return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return ", ".join(f"{key}={shown(value)}" for key, value in filters.items())


def run_labels(run: RunOverview) -> list[tuple[str, str]]:
    """A run's `tags` and `frameworks` lines (`tags: ci, nightly`), each only when it has some; the trace's text,
    which each view neutralises as it shows it."""
    return [(label, ", ".join(names)) for label, names in (("tags", run.tags), ("frameworks", run.frameworks))
            if names]


def run_ids(report: Report) -> list[str]:
    """The runs `report` covers: its `run_ids`, else (a report made without them) its overview's runs."""
    return report.run_ids or ([run.run_id for run in report.overview.runs] if report.overview else [])


@dataclass(frozen=True)
class ViewStyle:
    """How a view writes references and how much room it has.

    A report of one run names it in its title, so references within it say `seq 12`, not `R seq 12`.
    `wide` is False on a narrow terminal, which then shows fewer columns rather than squeezed names.
    """

    only_run: Optional[str] = None
    wide: bool = True
    tight: bool = False  # under 80 columns: only the figures that matter most

    @classmethod
    def of(cls, report: Report, wide: bool = True, tight: bool = False) -> "ViewStyle":
        """The view of `report`: its only run, if it has exactly one."""
        runs = run_ids(report)
        return cls(runs[0] if len(runs) == 1 else None, wide, tight)

    def at(self, run_id: str, seq: int) -> str:
        """`seq 12`, or `R seq 12` when the report has several runs (raw trace text)."""
        return f"seq {seq}" if run_id == self.only_run else f"{run_id} seq {seq}"

    def where(self, ref: Optional[Ref]) -> str:
        """Where an event is, enough for `replay --goto`; `-` when the record has no place."""
        return NONE if ref is None else self.at(ref.run_id, ref.seq)

    def percentiles(self) -> tuple[tuple[str, str], ...]:
        """The latency columns: all of them when wide, else p50, p95 and max; only p95 when tight."""
        if self.tight:
            return tuple(c for c in PERCENTILES if c[0] == "p95")
        return PERCENTILES if self.wide else tuple(c for c in PERCENTILES if c[0] in ("p50", "p95", "max"))


def operation(component: str, name: Optional[str], kind: Optional[str] = None) -> str:
    """`tool:search`, `agent_turn:planner` (raw trace text): the engine's own label, so views match its keys."""
    return component if name is None else op_label(component, name, kind)


def bar(share: float, width: int) -> str:
    """`███▍`: a share from 0 to 1 as a bar of up to `width` cells, in eighths of a cell."""
    eighths = round(max(0.0, min(share, 1.0)) * width * 8)
    if share > 0 and eighths == 0:
        eighths = 1  # a step on the path never disappears from it
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def clip(text: str, limit: int = 100) -> str:
    """One line of at most `limit` characters, so a long message keeps a table row compact."""
    line = _BREAKS.sub(" ", text).strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"
