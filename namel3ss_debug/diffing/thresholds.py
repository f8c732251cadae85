"""`--fail-on` expressions: a change from BASE to NEW, and the limit it must not cross.

    EXPRESSION := METRIC OPERATOR CHANGE            spaces allowed between the parts
    METRIC     := duration | llm_calls | tool_calls | tokens | cost | errors | handled_errors | unhandled_errors
                | STAT "(" TARGET ")"
    STAT       := p50 | p90 | p95 | p99 | max | count
    TARGET     := COMPONENT | COMPONENT ":" NAME    llm, tool:search, agent_turn:researcher
    OPERATOR   := ">" | ">=" | "<" | "<="
    CHANGE     := ("+" | "-") NUMBER [UNIT]
    UNIT       := "%"                               relative to BASE
                | "ms" | "s" | "m" | "h"            time metrics only; a bare number is the metric's unit
                                                    (ms, USD, tokens, calls, errors)

`cost>+10%` is crossed when NEW's cost is more than 10% above BASE's; `p95(llm)>+200ms` when the p95 of
`llm` spans grew by more than 200 ms; `llm_calls<-2` when NEW made more than 2 fewer LLM calls. The
sign is required: a change is not a level (`check` gates levels), and `p95(llm)>200ms` would read as one.
"""

from __future__ import annotations

import math
import operator as op
import re
from dataclasses import dataclass
from typing import Callable, Optional

from ..analysis.records.report import Report
from ..model.errors import UsageError
from ..model.events import COMPONENTS
from ..model.limits import COUNT_MAX, DURATION_MAX_MS, shown
from ..model.messages import plural
from .figures import RUN_METRICS, STATS, change, find_stats, run_figure, stat_figure, unpriced_calls
from .report import ThresholdResult

OPERATORS: dict[str, Callable[[float, float], bool]] = {">=": op.ge, "<=": op.le, ">": op.gt, "<": op.lt}
_TIME_UNITS = {"ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_WORD = re.compile(r"[A-Za-z0-9_]+")
_CHANGE = re.compile(r"(?P<sign>[+-]?)(?P<number>[0-9]+(?:\.[0-9]+)?|\.[0-9]+)?(?P<unit>%|ms|s|m|h)?")
_METRICS_HINT = ("duration, llm_calls, tool_calls, tokens, cost, errors, handled_errors, unhandled_errors, or "
                 "p50/p90/p95/p99/max/count(TARGET)")
_CHANGE_HINT = "a signed change such as +10%, +200ms, +0.05 or -1"


@dataclass(frozen=True)
class Threshold:
    """A parsed expression. `amount` is signed, in % when `relative`, else in the metric's unit (ms for time)."""

    expression: str
    metric: str  # cost, p95(llm), ...
    stat: Optional[str]  # p95, ...; None for a run metric
    target: Optional[str]
    operator: str
    amount: float
    relative: bool
    unit: str  # % or the metric's unit
    metric_unit: str

    def crossed_by(self, change: float) -> bool:
        return OPERATORS[self.operator](change, self.amount)


def parse_threshold(expression: str) -> Threshold:
    """Parse one `--fail-on` value; a mistake is a `UsageError` that names its column (from 1).

    >>> parse_threshold("p95(llm)>+20%")  # doctest: +NORMALIZE_WHITESPACE
    Threshold(expression='p95(llm)>+20%', metric='p95(llm)', stat='p95', target='llm', operator='>', amount=20.0,
              relative=True, unit='%', metric_unit='ms')
    """
    parser = _Parser(expression)
    metric, stat, target, unit = parser.metric()
    operator = parser.operator()
    amount, relative, change_unit = parser.change(unit)
    return Threshold(expression, metric, stat, target, operator, amount, relative, "%" if relative else change_unit,
                     unit)


def evaluate(threshold: Threshold, base: Report, new: Report) -> ThresholdResult:
    """The threshold against the two reports. A TARGET neither run has is a `UsageError` (a typo, most likely)."""
    base_value, new_value = _figures(threshold, base, new)
    figures = change(threshold.metric, threshold.metric_unit, base_value, new_value)
    if threshold.metric == "cost" and figures.delta is None:
        return _unknown_cost(threshold, base, new, base_value, new_value)
    if figures.delta is None:
        missing = " and ".join(side for side, value in (("BASE", base_value), ("NEW", new_value)) if value is None)
        return _result(threshold, base_value, new_value, None, False, f"no figure in {missing}")
    if not threshold.relative:
        return _result(threshold, base_value, new_value, figures.delta, threshold.crossed_by(figures.delta), None)
    if figures.percent is None:  # a change from 0
        infinite = math.copysign(math.inf, figures.delta)
        return _result(threshold, base_value, new_value, None, threshold.crossed_by(infinite),
                       "BASE was 0: any increase is infinitely many percent")
    return _result(threshold, base_value, new_value, figures.percent, threshold.crossed_by(figures.percent), None)


def _unknown_cost(threshold: Threshold, base: Report, new: Report, base_value: Optional[float],
                  new_value: Optional[float]) -> ThresholdResult:
    """A cost threshold over a run whose cost is unknown. Calls without usage cannot be priced by anyone: the
    threshold cannot be judged and is crossed (as `check --max-cost` fails), rather than pass as if they were
    free. A model without a price, or a run with no LLM call, leaves it not crossed, saying so."""
    counts = [(side, *unpriced_calls(report)) for side, report in (("BASE", base), ("NEW", new))]
    said = [f"cost unknown in {side}: " + (f"{plural(no_usage, 'LLM call')} recorded no usage" if no_usage
                                            else f"{plural(unpriced, 'LLM call')} unpriced")
            for side, unpriced, no_usage in counts if unpriced]
    if not said:
        missing = " and ".join(side for side, value in (("BASE", base_value), ("NEW", new_value)) if value is None)
        said = [f"no figure in {missing}"]
    crossed = any(no_usage for _, _, no_usage in counts)
    return _result(threshold, base_value, new_value, None, crossed, "; ".join(said))


def _figures(threshold: Threshold, base: Report, new: Report) -> tuple[Optional[float], Optional[float]]:
    if threshold.stat is None:
        return run_figure(base, threshold.metric), run_figure(new, threshold.metric)
    target = threshold.target or ""
    found = find_stats(base, target), find_stats(new, target)
    if found == (None, None):
        named = "operation" if ":" in target else "component"
        raise UsageError(f"--fail-on {threshold.expression!r}: neither run has {named} {target!r}",
                         hint="an operation is named as analyze lists it: tool:search, llm:planner, "
                         "agent_turn:researcher")
    return stat_figure(found[0], threshold.stat), stat_figure(found[1], threshold.stat)


def _result(threshold: Threshold, base: Optional[float], new: Optional[float], change: Optional[float],
            crossed: bool, note: Optional[str]) -> ThresholdResult:
    return ThresholdResult(threshold.expression, threshold.metric, threshold.operator, threshold.amount,
                           threshold.unit, threshold.metric_unit, base, new, change, crossed, note)


class _Parser:
    """A cursor over the expression; `fail` says what was expected at the cursor's column."""

    def __init__(self, text: str):
        self.text = text
        self.at = 0

    def fail(self, what: str, at: Optional[int] = None, hint: Optional[str] = None) -> UsageError:
        column = (self.at if at is None else at) + 1
        return UsageError(f"--fail-on {shown(self.text)}: column {column}: {what}", hint=hint)

    def skip_spaces(self) -> None:
        while self.at < len(self.text) and self.text[self.at] == " ":
            self.at += 1

    def metric(self) -> tuple[str, Optional[str], Optional[str], str]:
        self.skip_spaces()
        start = self.at
        match = _WORD.match(self.text, self.at)
        word = match.group() if match else ""
        end = match.end() if match else start
        name = word.lower()
        if name in RUN_METRICS:
            self.at = end
            return name, None, None, RUN_METRICS[name].unit
        if name not in STATS:
            what = f"unknown metric {word!r}" if word else "expected a metric"
            raise self.fail(what, start, hint=f"use one of: {_METRICS_HINT}")
        stat, self.at = name, end
        target = self._target(stat)
        return f"{stat}({target})", stat, target, STATS[stat][1]

    def _target(self, stat: str) -> str:
        self.skip_spaces()
        if not self.text.startswith("(", self.at):
            raise self.fail(f"expected ( after {stat}", hint=f"e.g. {stat}(llm) or {stat}(tool:search)")
        close = self.text.rfind(")")  # no CHANGE has a `)`: the last one closes TARGET, which may hold one
        if close < self.at:
            raise self.fail("expected ) to close the TARGET", len(self.text))
        target, begin = self.text[self.at + 1: close].strip(), self.at + 1
        if not target:
            raise self.fail("expected a TARGET: a component or component:name", begin)
        if ":" not in target and target not in COMPONENTS:
            raise self.fail(f"{target!r} is not a component", begin + self.text[begin:].index(target[0]),
                            hint=f"components: {', '.join(COMPONENTS)}; name an operation as component:name, "
                                 "e.g. tool:search")
        self.at = close + 1
        return target

    def operator(self) -> str:
        self.skip_spaces()
        for symbol in OPERATORS:  # two-character operators first
            if self.text.startswith(symbol, self.at):
                self.at += len(symbol)
                return symbol
        raise self.fail("expected an operator: >, >=, < or <=")

    def change(self, metric_unit: str) -> tuple[float, bool, str]:
        self.skip_spaces()
        start = self.at
        match = _CHANGE.match(self.text, start)
        assert match is not None  # every group is optional
        if not match.group("number"):
            raise self.fail(f"expected {_CHANGE_HINT}", start + len(match.group("sign")))
        if not match.group("sign"):
            raise self.fail("a change needs its sign, + or -", start,
                            hint=f"it is relative to BASE: write +{match.group()} for an increase")
        unit = match.group("unit")
        amount = float(match.group("sign") + match.group("number"))
        self.at = match.end()
        self.skip_spaces()
        if self.at < len(self.text):
            raise self.fail(f"unexpected {self.text[self.at:]!r} after the change", hint=f"expected {_CHANGE_HINT}")
        if not math.isfinite(amount) or abs(amount) > COUNT_MAX:
            raise self.fail(f"{shown(match.group())}: a change is at most {COUNT_MAX} (10^15) either way", start,
                            hint=f"expected {_CHANGE_HINT}")
        if unit == "%":
            return amount, True, "%"
        if unit is not None and metric_unit != "ms":
            raise self.fail(f"{unit!r} is a time unit, and this metric is in {metric_unit}",
                            start + len(match.group()) - len(unit), hint="use a bare number or %")
        amount *= _TIME_UNITS.get(unit or "ms", 1.0)
        if metric_unit == "ms" and abs(amount) > DURATION_MAX_MS:
            raise self.fail(f"{shown(match.group())}: a change of time is at most 8760h either way", start,
                            hint=f"expected {_CHANGE_HINT}")
        return amount, False, metric_unit
