"""`verify`'s report as text: the verdict first, then the recorded run, each try, and pass^k over the tries."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from ...rerun.candidates import Miss, short_repr
from ...judging.outcome import Outcome
from ...judging.verdict import FIXED, IMPROVED, INCONCLUSIVE, REGRESSED
from ...judging.verify_report import Try, VerifyReport
from ..rerun.live import misses_go, ran_live
from ..rerun.miss import miss_lines
from ..text import visible

_STYLE = {FIXED: "bold green", IMPROVED: "bold green", REGRESSED: "bold red", INCONCLUSIVE: "bold yellow"}
_SOURCES = (("recorded", "answered from the recording"), ("reran", "tool(s) run for real"),
            ("live", "run live"), ("missed", "missed"))
_HOW = (("same", "the same"), ("reworded", "reworded"), ("different", "different"),
        ("only_recorded", "only in the recording"), ("only_new", "only in the new run"))


def trying(number: int, repeat: int) -> Text:
    """The line before a try runs (on stderr)."""
    return Text(f"verify: try {number} of {repeat}" if repeat > 1 else "verify: running the current code",
                style="dim")


def render_verify(report: VerifyReport) -> Group:
    verdict = report.verdict
    lines = [Text(""), Text(visible(f"{verdict.verdict}: {verdict.why}"), style=_STYLE.get(verdict.verdict, "bold"))]
    lines.append(_pair("recorded run", f"{report.source_run}  ({report.source})"))
    lines.append(_pair("  outcome", _outcome(report.recorded)))
    lines.append(_pair("judged by", _judged_by(report)))
    for attempt in report.tries:
        lines.extend(_try(attempt, len(report.tries) > 1))
    if len(report.tries) > 1:
        lines.append(_pair("pass^k", _pass_k(report)))
    return Group(*lines)


def _pair(label: str, value: str, style: str = "") -> Text:
    text = Text(f"{label:<14}", style="bold")
    text.append(visible(value), style=style)
    return text


def _outcome(outcome: Outcome | None, stopped: bool = False) -> str:
    if outcome is None:
        return "none: the run was stopped at a miss (below)" if stopped else "none: the new run wrote no trace"
    if stopped:
        before = outcome.summary() if outcome.failures else "nothing had failed"
        return f"none: the run was stopped at a miss (below); before the stop, {before}"
    if outcome.final_output is None or not outcome.passed:  # a failed expectation shows the output already
        return outcome.summary()
    return f"{outcome.summary()}; final output {short_repr(outcome.final_output, 80)}"


def _judged_by(report: VerifyReport) -> str:
    rules = f"the workspace's checks ({', '.join(report.rules)})" if report.rules else "no workspace checks"
    said = ["exit status", "errors (handled and unhandled)", rules]
    if report.expect is not None:
        said.append(f"--expect {report.expect}")
    live = misses_go(report.base_url, report.live, report.endpoints, report.live_endpoints)
    return ", ".join(said) + f"; {live}" + ("; --live-requests" if report.live_tools else "")


def _try(attempt: Try, numbered: bool) -> list[Text]:
    label = f"try {attempt.number}" if numbered else "new run"
    lines = [_pair(label, f"{attempt.new_run or '-'}  ({', '.join(attempt.new_trace) or 'no trace written'})")]
    if numbered:
        lines.append(_pair("  verdict", f"{attempt.verdict.verdict}: {attempt.verdict.why}"))
    lines.append(_pair("  outcome", _outcome(attempt.outcome, attempt.stopped is not None)))
    shown = [ran_live(attempt.counts[name], attempt.live_endpoints) if name == "live"
             else f"{attempt.counts[name]} {words}" for name, words in _SOURCES if attempt.counts.get(name)]
    lines.append(_pair("  calls", ", ".join(shown) or "no call was made"))
    calls = attempt.calls
    if calls is not None:
        counts = calls.counts
        lines.append(_pair("  compared", ", ".join(f"{counts[how]} {words}" for how, words in _HOW if counts[how])
                           or "no LLM or tool call in either run"))
        first = calls.first
        lines.append(_pair("  diverged", first.what if first is not None else "no real divergence (rewording aside)"))
    if attempt.network is not None:
        lines.append(_pair("  network", attempt.network.summary))
    for miss in attempt.misses:
        lines.extend(_miss(miss))
    return lines


def _miss(miss: Miss) -> list[Text]:
    lines = miss_lines(miss, "  miss")
    lines.append(Text("  let LLM calls the recording cannot answer go live with --live (where the app sent them) "
                      "or --base-url URL", style="dim"))
    return lines


def _pass_k(report: VerifyReport) -> str:
    repeats = report.repeats
    figures = "  ".join(f"pass^{k} {value:.2f}" for k, value in enumerate(repeats.pass_k, 1))
    live = f"calls went live in {report.live_tries} of {len(report.tries)} tries" if report.live_tries \
        else "no call went live: every try was answered alike"
    return f"{repeats.passes} of {len(report.tries)} tries passed: {figures} ({live})"
