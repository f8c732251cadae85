"""Rules of the family `savings`: time a run could save by running calls at once, time and money by a cache.
They are opportunities, not faults: `info` unless said below.

`parallelizable_calls` (agent rule: over one agent execution's steps, judged when it ends): calls that ran
one after another (each started, by `seq`, after the one before it ended; calls that overlapped already run at
once) and could have run at once. Running them at once saves their durations' sum less the longest; the finding is
said when that is at least `thresholds.min_saving_ms` (`diagnose_min_saving_ms`, default 500 ms), or, when the
calls took at least `thresholds.dominant_share` (`diagnose_dominant_share`, 0.5) of the run's time up to the agent's
last call (from the run's first step, start-up left out, to the latest end among the agent's steps and the run's
first ones: the run's time is not known while it runs), from `SHARE_FLOOR` (a fifth) of that: most of a short run
spent waiting on them. Such calls are a `warning` (figure `share`), others `info`. Two cases:
- the tool calls one LLM answer asked for together (two or more with the same `Step.asked_by`): the model asked
  for them before seeing any result, so none uses another's. Confidence `high`. Evidence: the asking LLM call,
  then the tools. Example: the answer of `llm:chat#1` asks for `weather(Paris)` and `weather(Lyon)`, which run
  700 ms each one after the other: 700 ms to save.
- sibling tool calls under one parent, none asked for by a model, one after another with no other step of that
  parent between them, where no later call's arguments contain a value of an earlier call's result (each JSON
  value of the result, strings and numbers, or its whole text when it is not JSON); when the calls are of more
  than one tool, every value of a later call's arguments must also appear in an earlier call's arguments (known
  before they ran: a value computed from a result, a price times a rate, appears in none). A call whose arguments
  or result were not recorded, or were cut at `TEXT_CHARS`, ends the group: its data flow is unknown. A group
  holds at most `MAX_GROUP` (16) calls. Confidence `medium` when the calls are all of one tool, else `low` (calls
  of different tools may depend on each other's side effects, which no trace shows). Evidence: the calls. Example:
  `fetch_prices("ACME")` then `fetch_news("ACME")`, 800 ms each: 800 ms to save.
Figures: `saved_ms`, `calls`, `total_ms` (their sum), `longest_ms`.

`cacheable_calls` (run rule): an LLM or tool call made more than once with the same inputs (component, name and
inputs' JSON), every time with the same answer (`RunClues.repeats`; a failed repeat is not the same answer): a
cache keyed by the inputs would save the repeats' time and, for LLM calls, their cost. Said when the repeats took
at least `thresholds.min_saving_ms` or cost at least `MIN_COST_USD` ($0.001; an unknown cost is said unknown,
never 0). `info`; `warning` when the saving is at least `thresholds.dominant_share` (`diagnose_dominant_share`,
default 0.5) of the run's time (its critical path's total, else its duration) or of its cost (known only when
every LLM call was priced). Confidence `high` for LLM calls, `medium` for tools (a tool with side effects must not
be cached). Not said of an operation the run's `patterns.loops` shows looping when it was called at least
`thresholds.loop_repeats` times: the loop is the finding then. Evidence: the first call, then the first repeat.
Figures: `saved_ms`, `calls`, `cost_usd` (LLM calls, when known). Example: `exchange_rate("EUR", "USD")` called
twice, 700 ms each, answering 1.08 both times: 700 ms to save.
"""

from __future__ import annotations

from functools import cached_property
from typing import Iterable, Optional

import orjson

from ....model.deep import leaves
from ...records.refs import Ref
from ...thresholds import SETTINGS, Judging
from . import AgentRule, RunFigures, RunRule
from ...records.findings import Evidence, Finding
from ..notes.steps import TEXT_CHARS, AgentSteps, CallRepeat, RunClues, Step
from .evidence import (MIN_COST_USD, agent_name, capped, end_us, evidence, label, ms, percent, run_ms, start_us,
                       usd)

SIBLING_CALLS = frozenset({"tool"})  # the calls whose arguments and result a step keeps
MAX_GROUP = 16  # sibling calls one group holds: a longer run of them is said as several groups
SHARE_FLOOR = 0.2  # of `min_saving_ms`: the least a group that is most of the run's time must save to be said


# -- parallelizable_calls ----------------------------------------------------------------------------------------
def parallelizable_calls(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """Tool calls of one answer, then independent sibling calls, run one after another: the time saved at once."""
    bar = SavingBar(judging, agent, run)
    for asker, tools in _asked_together(agent.steps).items():
        if _sequential(tools) and bar.said(tools):
            yield _asked_finding(next((step for step in agent.steps if step.seq == asker), None), tools, run, bar)
    for group in _independent_groups(agent.steps):
        if bar.said(group):
            yield _sibling_finding(group, run, bar)


class SavingBar:
    """Where a group of calls is said: a saving of `min_saving_ms`, or, when the calls are at least `dominant_share`
    of the run's time so far (most of it), a saving of `SHARE_FLOOR` of that (a short run spent waiting on them)."""

    def __init__(self, judging: Judging, agent: AgentSteps, run: RunClues) -> None:
        self.minimum, self.share = judging.thresholds.min_saving_ms, judging.thresholds.dominant_share
        self.agent, self.run = agent, run

    @cached_property
    def elapsed(self) -> Optional[float]:
        """The run's time so far (`_elapsed_ms`), read only for a group that may be said: it reads the run's
        opening steps again for each agent, and most agents have no such group (at 200 MB: 16k agents, 1.1M
        timestamps parsed when it was read for each)."""
        return _elapsed_ms(self.agent, self.run)

    def most(self, calls: list[Step]) -> bool:
        """Whether `calls` took at least `dominant_share` of the run's time up to the agent's last call."""
        return bool(self.elapsed) and _total(calls) >= self.share * (self.elapsed or 0.0)

    def said(self, calls: list[Step]) -> bool:
        saving = _saving(calls)
        return saving >= self.minimum or (saving >= self.minimum * SHARE_FLOOR and self.most(calls))

    def why(self, calls: list[Step]) -> str:
        """The threshold the group passed, for its `why`."""
        if not self.most(calls):
            return f"threshold {ms(self.minimum)}, diagnose_min_saving_ms"
        return (f"they took {percent(_total(calls) / (self.elapsed or 1.0))} of the run's {ms(self.elapsed or 0.0)} up "
                f"to the agent's last call, at least {percent(self.share)} (diagnose_dominant_share): said from "
                f"{ms(self.minimum * SHARE_FLOOR)} saved, a fifth of diagnose_min_saving_ms")


def _elapsed_ms(agent: AgentSteps, run: RunClues) -> Optional[float]:
    """The run's time when the agent's calls are judged: from its first step's start (start-up left out, as the
    critical path leaves it) to the latest end among the agent's steps and the run's first ones."""
    first = next((start_us(step) for step in run.opening or agent.steps), None)
    ends = [end for step in (*run.opening, *agent.steps) if (end := end_us(step)) is not None]
    if first is None or not ends or max(ends) <= first:
        return None
    return (max(ends) - first) / 1000


def _total(calls: list[Step]) -> float:
    return sum(call.duration_ms or 0.0 for call in calls)


def _asked_together(steps: list[Step]) -> dict[int, list[Step]]:
    """The seq of each LLM step -> the tool calls its answer asked for (two or more), in seq order."""
    asked: dict[int, list[Step]] = {}
    for step in steps:
        if step.component == "tool" and step.asked_by is not None and step.kind != "error_occurred":
            asked.setdefault(step.asked_by, []).append(step)
    return {seq: tools for seq, tools in asked.items() if len(tools) > 1}


def _sequential(calls: list[Step]) -> bool:
    """Whether each call started after the one before it ended (none overlapped), every duration known."""
    if any(call.duration_ms is None for call in calls):
        return False
    return all(before.end_seq is not None and before.end_seq < after.seq for before, after in zip(calls, calls[1:]))


def _saving(calls: list[Step]) -> float:
    """What running `calls` at once would save: their total time less the longest (durations known)."""
    durations = [call.duration_ms or 0.0 for call in calls]
    return sum(durations) - max(durations)


def _independent_groups(steps: list[Step]) -> Iterable[list[Step]]:
    """Runs of two or more sibling calls, one after another, none reading an earlier one's result."""
    if not _two_under_one(steps):
        return  # no two calls that could run at once (an agent's loop: each tool asked for by its model)
    siblings: dict[str, list[Step]] = {}
    for step in steps:
        if step.parent_id is not None and step.kind != "error_occurred":
            siblings.setdefault(step.parent_id, []).append(step)
    for calls in siblings.values():
        group = Group()
        for call in calls:
            if group.joins(call):
                group.add(call)
                continue
            if len(group.calls) > 1:
                yield group.calls
            group = Group()
            if _eligible(call):
                group.add(call)
        if len(group.calls) > 1:
            yield group.calls


def _two_under_one(steps: list[Step]) -> bool:
    """Whether two eligible calls ran under one parent: a group holds no other calls."""
    parents: set[str] = set()
    for step in steps:
        parent = step.parent_id
        if parent is not None and _eligible(step):
            if parent in parents:
                return True
            parents.add(parent)
    return False


def _eligible(step: Step) -> bool:
    """A completed tool call, not asked for by a model, with its arguments and result recorded whole."""
    return (step.component in SIBLING_CALLS and step.asked_by is None and step.status == "completed"
            and step.duration_ms is not None and _whole(step.arguments) and _whole(step.result))


def _whole(text: Optional[str]) -> bool:
    return text is not None and len(text) < TEXT_CHARS


class Group:
    """Sibling calls that could run at once so far, with the values their results and arguments hold (each call is
    compared with these, not with every call again). A result is read only when a call may join after it: in an
    agent's loop a tool is followed by a model call, and its result is never read here."""

    def __init__(self) -> None:
        self.calls: list[Step] = []
        self.results: set[str] = set()  # every value of the calls' results, also as it reads inside a JSON string
        self.unread = 0  # the calls (the last ones) whose results are not in `results` yet
        self.arguments: list[str] = []  # the calls' arguments, as recorded
        self.operations: set[tuple[str, str]] = set()

    def add(self, call: Step) -> None:
        self.calls.append(call)
        self.unread += 1
        self.arguments.append(call.arguments or "")
        self.operations.add((call.component, call.name))

    def joins(self, call: Step) -> bool:
        """Whether `call` could run at once with the group: eligible, started after the last ended, using none of
        their results, and (beside another tool) given only values known before."""
        if not self.calls or len(self.calls) >= MAX_GROUP or not _eligible(call):
            return False
        last = self.calls[-1]
        if last.end_seq is None or last.end_seq > call.seq:
            return False  # it overlapped the one before: already concurrent
        self._read()
        arguments = call.arguments or ""
        if any(value in arguments for value in self.results):
            return False
        if self.operations == {(call.component, call.name)}:
            return True
        return all(any(value in before for before in self.arguments) for value in _values(arguments))

    def _read(self) -> None:
        for earlier in self.calls[len(self.calls) - self.unread:]:
            for value in _values(earlier.result or ""):
                self.results.update((value, _escaped(value)))
        self.unread = 0


def _values(text: str) -> list[str]:
    """The values a later call could take from a result: its JSON leaves (no booleans or nulls) or its text."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return [text.strip()] if text.strip() else []
    return [item.strip() if isinstance(item, str) else orjson.dumps(item).decode() for item in leaves(value)
            if not isinstance(item, str) or item.strip()]


def _escaped(value: str) -> str:
    """`value` as it reads inside a JSON string (quotes and backslashes escaped)."""
    return orjson.dumps(value).decode()[1:-1]


def _asked_finding(asker: Optional[Step], tools: list[Step], run: RunClues, bar: SavingBar) -> Finding:
    saved, total, longest = _saving(tools), sum(t.duration_ms or 0.0 for t in tools), max(t.duration_ms or 0.0
                                                                                        for t in tools)
    names = ", ".join(label(tool) for tool in tools)
    source = asker.address if asker is not None else f"the LLM call at seq {tools[0].asked_by}"
    items = [evidence(asker, run, f"asked for {len(tools)} tool calls in one answer")] if asker else []
    items += [evidence(tool, run, f"ran {ms(tool.duration_ms or 0.0)}, after the call before it ended")
              for tool in tools]
    why = (f"parallelizable_calls: the answer of {source} asked for {names} at once, and they ran one after "
           f"another ({ms(total)} in all, the longest {ms(longest)}); at once they would save {ms(saved)} "
           f"({bar.why(tools)})")
    suggestion = ("run the tool calls of one answer concurrently: in your own loop `await asyncio.gather(...)` over "
                  "the answer's tool calls (a `ThreadPoolExecutor` for blocking tools); with a framework, make the "
                  "tools async or enable its parallel tool execution")
    return _parallel(f"{len(tools)} tool calls asked for together ran one after another: {ms(saved)} to save",
                     why, suggestion, items, run, "high", tools, bar)


def _sibling_finding(group: list[Step], run: RunClues, bar: SavingBar) -> Finding:
    saved, total = _saving(group), sum(call.duration_ms or 0.0 for call in group)
    ops = sorted({label(call) for call in group})
    items = [evidence(call, run, f"ran {ms(call.duration_ms or 0.0)}; its arguments use no earlier call's result")
             for call in group]
    why = (f"parallelizable_calls: {len(group)} sibling calls ({', '.join(ops)}) ran one after another under one "
           f"parent ({ms(total)} in all) and no call's arguments contain an earlier one's result; at once they "
           f"would save {ms(saved)} ({bar.why(group)})")
    suggestion = (f"if {', '.join(ops)} do not depend on each other's side effects, run them at once: "
                  f"`asyncio.gather` (a `ThreadPoolExecutor` for blocking calls)")
    return _parallel(f"{len(group)} independent calls ran one after another: {ms(saved)} to save", why,
                     suggestion, items, run, "medium" if len(ops) == 1 else "low", group, bar)


def _parallel(title: str, why: str, suggestion: str, items: list[Evidence], run: RunClues, confidence: str,
              calls: list[Step], bar: SavingBar) -> Finding:
    durations = [call.duration_ms or 0.0 for call in calls]
    figures = {"saved_ms": _saving(calls), "calls": float(len(calls)), "total_ms": sum(durations),
               "longest_ms": max(durations)}
    most = bar.most(calls)
    if most:
        figures["share"] = sum(durations) / (bar.elapsed or 1.0)
        title += f" ({percent(figures['share'])} of the run's time)"
    return Finding("parallelizable_calls", "warning" if most else "info", confidence, title, why, suggestion,
                   capped(items), run.run_id, agent=agent_name(calls[0], run), setting=SETTINGS["min_saving_ms"],
                   figures=figures)


# -- cacheable_calls ---------------------------------------------------------------------------------------------
def cacheable_calls(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """Calls repeated with the same inputs and the same answers, whose repeats took time or cost money."""
    thresholds = judging.thresholds
    steps = {step.seq: step for step in (*run.opening, *run.recent)}
    looping = _looping(figures, run.run_id)
    for repeat in run.repeats.values():
        if not repeat.identical or (repeat.ms < thresholds.min_saving_ms
                                    and not (repeat.cost is not None and repeat.cost >= MIN_COST_USD)):
            continue
        first = _first_evidence(steps, figures, run, repeat.first_seq)
        if first is None or (f"{first.ref.component}:{first.ref.name}" in looping
                             and repeat.calls >= thresholds.loop_repeats):
            continue
        later = steps.get(repeat.repeat_seq)
        items = [first, *([evidence(later, run, "the same inputs again, the same answer")] if later else [])]
        yield _cache_finding(repeat, items, run, figures, judging)


def _looping(figures: RunFigures, run_id: str) -> set[str]:
    """The operations (`tool:search`) the report's loops of this run go through."""
    return {op for loop in figures.loops if loop.ref.run_id == run_id for op in loop.cycle}


def _first_evidence(steps: dict[int, Step], figures: RunFigures, run: RunClues, seq: int) -> Optional[Evidence]:
    """The first of the repeated calls as evidence: from the run's kept steps, else the report's repeated call."""
    step = steps.get(seq)
    if step is not None:
        return evidence(step, run, "the first call with these inputs")
    for call in figures.repeated_calls:
        if call.first.run_id == run.run_id and call.first.seq == seq:
            ref = Ref(call.first.run_id, seq, call.first.span_id, call.component, call.name, call.first.kind)
            return Evidence(ref, "the first call with these inputs")
    return None


def _cache_finding(repeat: CallRepeat, items: list[Evidence], run: RunClues, figures: RunFigures,
                   judging: Judging) -> Finding:
    calls, saved_ms, cost, ref = repeat.calls, repeat.ms, repeat.cost, items[0].ref
    op, share = f"{ref.component}:{ref.name}", judging.thresholds.dominant_share
    time_share = _share(saved_ms, run_ms(run, figures))
    cost_share = _share(cost, run.cost_usd if not run.unpriced_calls else None)
    large = max(time_share or 0.0, cost_share or 0.0) >= share
    llm = ref.component == "llm"  # a tool's calls cost no tokens: only an LLM call's cost is said
    spent = ms(saved_ms) + ((f" and {usd(cost)}" if cost is not None else " and an unknown cost") if llm else "")
    why = (f"cacheable_calls: {op} was called {calls} times with the same inputs and gave the same answer each "
           f"time; the {calls - 1} repeats took {spent} (said from "
           f"{ms(judging.thresholds.min_saving_ms)}, diagnose_min_saving_ms, or a known cost from {usd(MIN_COST_USD)})"
           + (f"; that is at least {percent(share)} of the run's time or cost (diagnose_dominant_share)"
              if large else ""))
    suggestion = (f"cache {op} by its inputs (`functools.lru_cache` or a dict keyed by the arguments"
                  + (", or the framework's LLM cache, e.g. LangChain's `set_llm_cache`" if llm
                     else "; only if the tool has no side effects") + "), or reuse the first answer in the run")
    numbers = {"saved_ms": saved_ms, "calls": float(calls)}
    if llm and cost is not None:
        numbers["cost_usd"] = cost
    return Finding("cacheable_calls", "warning" if large else "info", "high" if llm else "medium",
                   f"{op} called {calls} times with the same inputs and answer: {spent} to save", why, suggestion,
                   items, run.run_id, agent=items[0].agent, setting=SETTINGS["min_saving_ms"], figures=numbers)


def _share(part: Optional[float], whole: Optional[float]) -> Optional[float]:
    return part / whole if part is not None and whole else None


AGENT_RULES: list[AgentRule] = [parallelizable_calls]
RUN_RULES: list[RunRule] = [cacheable_calls]
