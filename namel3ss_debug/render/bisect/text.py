"""`bisect`'s report as text: what it concluded first, then the bad run, each rerun made and its verdict."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from ...judging.bisect import FOUND, NONE, NOT_MONOTONE
from ...judging.bisect_report import BisectReport, BisectRerun
from ...rerun.candidates import short_repr
from ...judging.outcome import Outcome
from ..rerun.live import misses_go, ran_live
from ..rerun.miss import miss_lines
from ..text import visible

_STYLE = {FOUND: "bold green", NONE: "bold yellow", NOT_MONOTONE: "bold yellow"}


def probing(number: int, keys: tuple[str, ...]) -> Text:
    """The line before a rerun runs (on stderr)."""
    return Text(visible(f"bisect: rerun {number}, substituting {_keys(keys)}"), style="dim")


def render_bisect(report: BisectReport) -> Group:
    lines = [Text(""), Text(visible(conclusion(report)), style=_STYLE.get(report.status, "bold red"))]
    lines.append(_pair("bad run", f"{report.run_id or '-'}  ({report.source})"))
    lines.append(_pair("  outcome", report.recorded.summary()))
    lines.append(_pair("answers", f"{len(report.candidates)} call(s) from {report.answers_from}: "
                                  f"{_keys(tuple(c.key for c in report.candidates))}"))
    live = report.live
    lines.append(_pair("later calls", "one is answered from the bad run if it asks what was recorded, "
                                      f"else from {report.answers_from} (see `bisect --help`), else a tool runs "
                                      "for real and any other call misses; "
                                      f"{misses_go(live.base_url, live.own, report.endpoints, report.live_endpoints)}"
                                      f"{'; --live-requests' if live.requests else ''}"))
    lines.append(_pair("reruns", str(len(report.reruns))))
    for rerun in report.reruns:
        lines.extend(_rerun(rerun))
    return Group(*lines)


def conclusion(report: BisectReport) -> str:
    """The first line: what the search concluded, in one sentence."""
    count = len(report.reruns)
    if report.status == FOUND:
        alone = "; it flips it alone too" if report.alone else "; not tried alone (the rerun budget was spent)"
        return f"found {report.call}: substituting it flips the outcome ({count} rerun{'s' * (count != 1)}){alone}"
    if report.status == NONE:
        return "none: substituting every candidate call does not flip the outcome"
    if report.status == NOT_MONOTONE:
        return (f"not monotone: substituting the calls up to {report.call} flips the outcome, up to the one "
                f"before does not, and {report.call} alone does not: the flip needs more than the one call")
    stopped = next((rerun.stopped for rerun in report.reruns if rerun.flipped is None), None)
    return f"stopped: rerun {count} has no outcome ({stopped or 'no trace written'})"


def _rerun(rerun: BisectRerun) -> list[Text]:
    flipped = {True: "flipped", False: "not flipped", None: "no outcome"}[rerun.flipped]
    return [_pair(f"rerun {rerun.number}", f"{flipped}, substituting {_keys(rerun.substituted)}"),
            _pair("  verdict", f"{rerun.verdict.verdict}: {rerun.verdict.why}"),
            _pair("  outcome", _outcome(rerun.outcome, rerun.stopped)),
            _pair("  calls", f"{rerun.counts.get('recorded', 0)} from the bad run, "
                             f"{rerun.counts.get('mocked', 0)} replaced"
                             + (f", {ran_live(rerun.counts['live'], rerun.live_endpoints)}"
                                if rerun.counts.get("live") else "")),
            _pair("  trace", ", ".join(rerun.new_trace) or "no trace written"),
            *([_pair("  network", rerun.network.summary)] if rerun.network is not None else []),
            *(line for miss in rerun.misses for line in miss_lines(miss, "  miss", 12))]


def _outcome(outcome: Outcome | None, stopped: str | None) -> str:
    if outcome is None:
        return f"none: {stopped}" if stopped else "none: the new run wrote no trace"
    if outcome.final_output is None or not outcome.passed:
        return outcome.summary()
    return f"{outcome.summary()}; final output {short_repr(outcome.final_output, 80)}"


def _keys(keys: tuple[str, ...]) -> str:
    if not keys:
        return "nothing"
    if len(keys) <= 4:
        return ", ".join(keys)
    return f"{len(keys)} calls, {keys[0]} .. {keys[-1]}"


def _pair(label: str, value: str) -> Text:
    text = Text(f"{label:<12}", style="bold")
    text.append(visible(value))
    return text
