"""Rules of the family `dominant`: one call or one model that is most of a run's cost or time, and a tool that is
a large share of its critical path. They are costs, not failures: `info`, confidence `high` (the figures are
measured, not guessed). A run of one call is dominated by it, and that is no finding: each rule needs another call.

`dominant_cost` (run rule), said of the run's whole cost only, which is known when every LLM call was priced
(`RunClues.unpriced_calls` 0), and only of a cost of at least `MIN_COST_USD` ($0.001: less is not worth a finding):
- one LLM call (`RunClues.costliest`) with at least `thresholds.dominant_share` (`diagnose_dominant_share`, default
  0.5) of the cost and at least twice an even share (2 / the run's LLM calls): in a run of two calls one always has
  half, so two calls never dominate; three need 67%, four or more `dominant_share`. Evidence: the call. Example:
  `llm:summarize#1` (gpt-4o, 40,000 prompt tokens) costs $0.108 of the run's $0.1081 over 3 calls.
- one model, in a run of two or more models, with at least `dominant_share` of the cost and at least twice its
  share of the calls (a model that makes 80% of the calls is expected to cost 80%), when it made two or more calls
  (one call is the rule above). Evidence: its costliest calls the pass kept. Example: gpt-4o makes 2 of 6 calls
  and 86% of the cost.
Figures: `cost_usd`, `share`, `run_cost_usd`, `calls` (the run's LLM calls; the model's calls for a model).

`dominant_latency` (run rule): the run's longest call (`RunClues.slowest`) is an LLM call that took at least
`dominant_share` of the run's time (its critical path's total, `analysis/critical.py`, start-up left out; else its
`duration_ms`) and at least `thresholds.min_saving_ms` (`diagnose_min_saving_ms`, default 500 ms), in a run known to
have made two or more calls (its LLM calls plus its tool calls, counted from the kept steps or the critical path,
whichever counts more). When the longest call is a tool, `slow_tool_on_critical_path` says it. Evidence: the call.
Figures: `duration_ms`, `share`, `run_ms`. Example: `llm:draft#1` takes 2,000 ms of a 2,001 ms run of 3 calls.

`slow_tool_on_critical_path` (run rule): a tool whose calls on the run's critical path (`RunFigures.critical_path`,
`analysis/critical.py`) take at least `thresholds.slow_tool_share` (`diagnose_slow_tool_share`, default 0.3) of
the path and at least `min_saving_ms`, when another operation (an LLM call or another tool) is on the path too.
Evidence: the tool's longest calls the pass kept (the run's opening and recent steps, its slowest call, the
report's slow spans); with none kept, nothing is said. Figures: `duration_ms` (the tool's time on the path),
`share`, `calls` (its calls on the path), `path_ms`. Example: `tool:render_pdf` takes 1,500 ms of a 1,501 ms path.
"""

from __future__ import annotations

from typing import Iterable, Optional

from ...records.refs import Ref
from ...records.report import PathStep
from ...thresholds import MAX_EVIDENCE, SETTINGS, Judging
from . import AgentRule, RunFigures, RunRule
from ...records.findings import Evidence, Finding
from ..notes.steps import RunClues, Step
from .evidence import MIN_COST_USD, agent_name, capped, evidence, ms, percent, run_ms, usd

PATH_CALLS = frozenset({"llm", "tool"})


# -- dominant_cost -----------------------------------------------------------------------------------------------
def dominant_cost(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """One LLM call, or one model, with at least `dominant_share` of a run's known cost, well above an even share."""
    total, share = run.cost_usd, judging.thresholds.dominant_share
    if total is None or total <= 0 or run.unpriced_calls:
        return
    calls = sum(spend.calls for spend in run.models.values())
    costliest = run.costliest
    if costliest is not None and costliest.cost_usd is not None and costliest.cost_usd >= MIN_COST_USD \
            and costliest.cost_usd / total >= max(share, 2 / calls):
        yield _call_cost(costliest, calls, total, run, share)
    top = _costliest_model(run)
    if top is None or len(run.models) < 2 or run.models[top].calls < 2:
        return
    cost, made = run.models[top].cost, run.models[top].calls / calls
    if cost >= MIN_COST_USD and cost / total >= max(share, 2 * made):
        yield _model_cost(top, total, run, share)


def _costliest_model(run: RunClues) -> Optional[str]:
    return max(run.models, key=lambda model: (run.models[model].cost, model)) if run.models else None


def _call_cost(step: Step, calls: int, total: float, run: RunClues, share: float) -> Finding:
    cost = step.cost_usd or 0.0
    tokens = f", {step.input_tokens:,} prompt tokens" if step.input_tokens is not None else ""
    why = (f"dominant_cost: {step.address} cost {usd(cost)} of the run's {usd(total)} over {calls} LLM calls "
           f"({percent(cost / total)}; threshold {percent(share)}, diagnose_dominant_share, and twice an even share, "
           f"{percent(2 / calls)})")
    suggestion = (f"make {step.address} cheaper: send it a shorter prompt (trim the history or the documents it "
                  f"is given{tokens}), cap its answer (`max_tokens`), or give it a cheaper model if its task allows")
    return Finding("dominant_cost", "info", "high",
                   f"{step.address} is {percent(cost / total)} of the run's cost ({usd(cost)} of {usd(total)})",
                   why, suggestion, [evidence(step, run, f"cost {usd(cost)}{tokens}")], run.run_id,
                   agent=agent_name(step, run), setting=SETTINGS["dominant_share"],
                   figures={"cost_usd": cost, "share": cost / total, "run_cost_usd": total, "calls": float(calls)})


def _model_cost(model: str, total: float, run: RunClues, share: float) -> Finding:
    calls, cost = run.models[model].calls, run.models[model].cost
    made = calls / sum(spend.calls for spend in run.models.values())
    steps = sorted((step for step in _kept(run) if step.component == "llm" and step.model == model
                    and step.cost_usd is not None), key=lambda step: -(step.cost_usd or 0.0))
    items = [evidence(step, run, f"{model}: cost {usd(step.cost_usd or 0.0)}") for step in steps[:MAX_EVIDENCE]]
    why = (f"dominant_cost: model {model} made {calls} calls costing {usd(cost)} of the run's {usd(total)} over "
           f"{len(run.models)} models ({percent(cost / total)}, for {percent(made)} of the calls; threshold "
           f"{percent(share)}, diagnose_dominant_share, and twice its share of the calls)")
    suggestion = (f"route the calls that do not need {model} (classification, extraction, short answers) to a "
                  f"cheaper model, and trim the prompts of the ones that do")
    return Finding("dominant_cost", "info", "high",
                   f"model {model} is {percent(cost / total)} of the run's cost ({calls} calls, {usd(cost)})", why,
                   suggestion, capped(items), run.run_id, setting=SETTINGS["dominant_share"],
                   figures={"cost_usd": cost, "share": cost / total, "run_cost_usd": total, "calls": float(calls)})


# -- dominant_latency --------------------------------------------------------------------------------------------
def dominant_latency(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """The run's longest LLM call took at least `dominant_share` of the run's time (and `min_saving_ms`)."""
    thresholds, step = judging.thresholds, run.slowest
    whole = run_ms(run, figures)
    if step is None or step.component != "llm" or step.duration_ms is None or not whole:
        return
    if step.duration_ms < thresholds.min_saving_ms or step.duration_ms / whole < thresholds.dominant_share:
        return
    if _calls(run, figures) < 2:
        return
    took = step.duration_ms / whole
    tokens = f", {step.output_tokens:,} answer tokens" if step.output_tokens is not None else ""
    why = (f"dominant_latency: {step.address} took {ms(step.duration_ms)} of the run's {ms(whole)} "
           f"({percent(took)}; threshold {percent(thresholds.dominant_share)}, diagnose_dominant_share, and "
           f"{ms(thresholds.min_saving_ms)}, diagnose_min_saving_ms)")
    suggestion = (f"shorten {step.address}: stream its answer, cap it (`max_tokens`{tokens}), send a shorter "
                  f"prompt, or use a faster model; if other work does not need its answer, start that at the same time")
    yield Finding("dominant_latency", "info", "high",
                  f"{step.address} is {percent(took)} of the run's time ({ms(step.duration_ms)})", why, suggestion,
                  [evidence(step, run, f"took {ms(step.duration_ms)}")], run.run_id,
                  agent=agent_name(step, run), setting=SETTINGS["dominant_share"],
                  figures={"duration_ms": step.duration_ms, "share": took, "run_ms": whole})


def _calls(run: RunClues, figures: RunFigures) -> int:
    """LLM and tool calls the run is known to have made (its LLM calls, and its tools as far as they are seen)."""
    llm = sum(spend.calls for spend in run.models.values())
    kept_tools = {step.seq for step in _kept(run) if step.component == "tool"}
    path_tools = sum(step.spans for step in _path(figures) if step.component == "tool")
    return llm + max(len(kept_tools), path_tools)


# -- slow_tool_on_critical_path ----------------------------------------------------------------------------------
def slow_tool_on_critical_path(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """A tool at least `slow_tool_share` of the critical path (and `min_saving_ms`), beside another call on it."""
    thresholds = judging.thresholds
    path = _path(figures)
    calls = [step for step in path if step.component in PATH_CALLS]
    for tool in calls:
        if tool.component != "tool" or tool.share < thresholds.slow_tool_share or tool.ms < thresholds.min_saving_ms:
            continue
        if len(calls) < 2:
            continue  # the only operation on the path: a run of one tool is dominated by it
        items = _tool_evidence(run, figures, tool.name)
        if items:
            yield _slow_tool(tool, items, run, figures, judging)


def _path(figures: RunFigures) -> list[PathStep]:
    return figures.critical_path.steps if figures.critical_path is not None else []


def _tool_evidence(run: RunClues, figures: RunFigures, name: str) -> list[Evidence]:
    """The tool's longest calls the pass kept: its steps, else the report's slow spans of it."""
    steps = {step.seq: step for step in _kept(run) if step.component == "tool" and step.name == name
             and step.duration_ms is not None}
    longest = sorted(steps.values(), key=lambda step: -(step.duration_ms or 0.0))[:MAX_EVIDENCE]
    items = [evidence(step, run, f"took {ms(step.duration_ms or 0.0)}") for step in longest]
    for span in figures.slow:
        ref = span.ref
        if len(items) < MAX_EVIDENCE and ref.component == "tool" and ref.name == name and ref.seq not in steps:
            items.append(Evidence(Ref(ref.run_id, ref.seq, ref.span_id, ref.component, ref.name, ref.kind),
                                  f"took {ms(span.duration_ms)}"))
    return capped(items)


def _slow_tool(tool: PathStep, items: list[Evidence], run: RunClues, figures: RunFigures,
               judging: Judging) -> Finding:
    thresholds = judging.thresholds
    total = figures.critical_path.total_ms if figures.critical_path is not None else 0.0
    why = (f"slow_tool_on_critical_path: tool:{tool.name} is {ms(tool.ms)} of the critical path's {ms(total)} "
           f"over {tool.spans} call(s) ({percent(tool.share)}; threshold {percent(thresholds.slow_tool_share)}, "
           f"diagnose_slow_tool_share, and {ms(thresholds.min_saving_ms)}, diagnose_min_saving_ms)")
    suggestion = (f"speed up tool:{tool.name} or take it off the path: cache its results, give it a timeout, or "
                  f"start it at once with the work that does not need its result (`asyncio.gather`)")
    return Finding("slow_tool_on_critical_path", "info", "high",
                   f"tool:{tool.name} is {percent(tool.share)} of the critical path ({ms(tool.ms)})", why,
                   suggestion, items, run.run_id, agent=items[0].agent, setting=SETTINGS["slow_tool_share"],
                   figures={"duration_ms": tool.ms, "share": tool.share, "calls": float(tool.spans),
                            "path_ms": total})


def _kept(run: RunClues) -> list[Step]:
    """The run's steps the pass kept to the end: its opening and recent steps, and its slowest and costliest."""
    kept = {step.seq: step for step in (*run.opening, *run.recent)}
    for step in (run.slowest, run.costliest):
        if step is not None:
            kept.setdefault(step.seq, step)
    return list(kept.values())


AGENT_RULES: list[AgentRule] = []
RUN_RULES: list[RunRule] = [dominant_cost, dominant_latency, slow_tool_on_critical_path]
