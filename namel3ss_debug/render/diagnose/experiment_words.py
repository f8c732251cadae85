"""The words of `diagnose --experiment`'s views, one place for the table and the Markdown: the verdict, what the
blame read beside what the experiment found, each fork point tried, and what the search spent. Plain strings,
the trace's text in them as it is: each view makes them safe its own way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...judging.experiment import BUDGET, INTERRUPTED, NO_RESCUE, UNJUDGED, UNSURE, PointTried
from ...model.messages import plural
from ..analyze.format import usd

if TYPE_CHECKING:
    from ...judging.experiment_report import Checked, ExperimentReport
    from ...ops.experiment import ExperimentPlan

REASONS = {NO_RESCUE: "no re-ask rescued the run", BUDGET: "the budget ran out", INTERRUPTED: "interrupted",
           UNJUDGED: "the tries that would decide stopped at a miss",
           UNSURE: "the drop in rescue rate is within chance"}
HEADERS = ("fork point", "agent", "read as", "passed", "95% interval", "forks")


def verdict_line(report: ExperimentReport) -> str:
    """`verified: llm:openai.chat#2 is the decisive call` or `not confirmed: the budget ran out`."""
    conclusion = report.conclusion
    if conclusion.decisive is not None:
        return f"verified: {conclusion.decisive.call} is the decisive call"
    return f"not confirmed: {REASONS.get(conclusion.reason or '', conclusion.reason or '?')}"


def read_line(report: ExperimentReport) -> str:
    """What the blame read from the log, and whether the experiment agrees."""
    if report.read_call is None:
        return "the blame read no decisive step from the log"
    step = f" ({report.read_step})" if report.read_step and report.read_step != report.read_call else ""
    said = f"the blame read {report.read_call}{step}, {report.read_confidence or 'low'} confidence"
    agrees = report.agrees
    if agrees is None:
        return said
    decisive = report.conclusion.decisive
    return f"{said}: confirmed" if agrees else f"{said}; the experiment found {decisive.call if decisive else '?'}"


def point_row(tried: PointTried, points: int) -> tuple[str, str, str, str, str, str]:
    """One fork point tried, as the views' table row (HEADERS)."""
    point = tried.point
    read = "" if point.candidate is None else ("the blame's step" if point.candidate == 0
                                               else f"runner-up {point.candidate + 1}")
    passed = f"{tried.passes}/{tried.judged}" + (f" ({tried.stopped} stopped)" if tried.stopped else "")
    interval = tried.interval_text() if tried.judged else "-"
    forks = tried.forks[0] + (f" +{len(tried.forks) - 1}" if len(tried.forks) > 1 else "") if tried.forks else ""
    return f"{point.call} ({point.index}/{points})", point.agent or "", read, passed, interval, forks


def spent_line(report: ExperimentReport) -> str:
    """`9 tries, 27 model calls sent live, $0.0012 (at most 40 calls)`."""
    spent, budget = report.spent, report.budget
    cost = usd(spent.cost_usd) if spent.cost_usd is not None else "cost unknown (a model has no price)"
    bounds = [f"--tries {budget.tries}"]
    if budget.max_calls is not None:
        bounds.append(f"--max-calls {budget.max_calls}")
    if budget.max_cost is not None:
        bounds.append(f"--max-cost {budget.max_cost:g}")
    return (f"{tries(spent.tries)}, {plural(spent.model_calls, 'model call')} "
            f"sent live, {cost} ({', '.join(bounds)})")


def plan_lines(plan: ExperimentPlan) -> list[str]:
    """What the experiment says before its first try."""
    most = f"at most {plural(plan.most_calls, 'model call')} (--max-calls)" if plan.max_calls is not None \
        and plan.max_calls <= plan.most_calls else \
        f"about {plural(plan.most_calls, 'model call')} at most as the recording counts them (--max-calls caps them)"
    where = ", ".join(plan.endpoints) or "the endpoints the app calls"
    lines = [f"experiment on run {plan.run_id}: {plural(plan.points, 'model call')} to fork at; "
             f"rounds of {tries(plan.tries)} at a fork point, up to {plan.most_rounds} rounds, {most}",
             f"  re-asks go to {where} ({'--base-url' if plan.given else '--live: where the app sent them'})"]
    if plan.candidates:
        lines.append(f"  tried first, as the blame reads the run: {', '.join(plan.candidates)}")
    if plan.tools:
        lines.append(f"  tools that run for real when a fork asks them anything new: {', '.join(plan.tools)}")
    if plan.max_cost is not None:
        lines.append(f"  at most {usd(plan.max_cost)} on model calls")
    return lines


def tries(count: int) -> str:
    return f"{count} {'try' if count == 1 else 'tries'}"


def checked_line(checked: Checked) -> str:
    """Under a blame: `verified by experiment: llm:openai.chat#3 is the decisive call (not the step read above): ...`
    or `not confirmed by experiment (no re-ask rescued the run): ...`."""
    if checked.call is not None:
        agrees = "" if checked.agrees is None else \
            " (the step read above)" if checked.agrees else " (not the step read above)"
        return f"verified by experiment: {checked.call} is the decisive call{agrees}: {checked.why}"
    reason = REASONS.get(checked.reason or "", checked.reason or "?")
    return f"not confirmed by experiment ({reason}): {checked.why}"
