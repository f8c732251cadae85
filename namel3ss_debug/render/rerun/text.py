"""A rerun's report as text: what answered the calls, the first divergence, how each run ended."""

from __future__ import annotations

import shlex
from typing import Any

from rich.console import Group
from rich.text import Text

from ...analysis.failed_run import run_failure
from ...model.lineage import fork_of
from ...rerun.candidates import short_repr
from ...judging.compare import ComparedEvent
from ...judging.report import RerunReport, RunEnding
from ..event_text import one_line
from ..text import plural, visible
from .live import ran_live
from .miss import miss_lines

_SOURCES = (("recorded", "from the recording"), ("mocked", "mocked"), ("replaced", "replaced at the console"),
            ("forked", "answered by the fork"), ("reran", "run again (judged by what they returned)"),
            ("live", "run live"), ("missed", "missed"))


def announce(recorded: Any, run_id: str | None) -> Text:
    """The line before the app runs: what runs again, where."""
    command = shlex.join(recorded.target.argv if not recorded.target.module
                         else ["-m", recorded.target.module, *recorded.target.args])
    # one_line: an argument's newline shows as \n
    return Text(one_line(f"rerun of {run_id}: {command}  (in {recorded.cwd})"), style="dim")


def render_report(report: RerunReport) -> Group:
    lines: list[Text] = [Text("")]
    lines.append(_title(report))
    lines.append(_pair("recorded run", f"{report.source_run}  ({report.source})"))
    lines.append(_pair("new run", f"{report.new_run}  ({', '.join(report.new_trace) or 'no trace written'})"))
    lines.append(_pair("calls", _counts(report)))
    if report.unhooked_tools:
        lines.append(_pair("unhooked", _unhooked(report)))
    lines.extend(_ran_again(report))
    if report.mocked:
        lines.append(_pair("changed", ", ".join(report.mocked)))
    fork = fork_of(report.fork)
    if fork is not None:
        lines.append(_pair("fork", fork.text()))
    if report.parted is not None:
        lines.append(_pair("parted", f"at {report.parted} ({report.parted_how})"))
    for miss in report.misses:
        lines.extend(_miss(miss, report.parted_how == "forked"))
    lines.extend(_divergence(report))
    lines.append(_pair("ended", f"recorded: {_ending(report.old_ending)}"))
    lines.append(_pair("", f"rerun:    {_ending(report.new_ending)}"))
    for note in report.notes:
        lines.append(Text(visible(f"note: {note}"), style="yellow"))
    return Group(*lines)


def _title(report: RerunReport) -> Text:
    """The verdict, and whether what it reproduced is a failure: a reproduced failure is no all-clear."""
    if not report.reproduced:
        return Text(f"not reproduced: {report.not_reproduced}", style="bold")
    if ended_failed(report.old_ending):
        return Text("reproduced: the run failed again as recorded", style="bold red")
    return Text("reproduced: the rerun matches the recording", style="bold green")


def ended_failed(ending: RunEnding) -> bool:
    """Whether the run's ending failed it, by the one definition (`analysis/failed_run.py`: it ended failed or
    exited with a code other than 0; a run its rerun stopped did not fail). A run that ended well and gave up
    is a finding of `analyze`'s, which the rerun does not run."""
    return run_failure(ending.status, ending.exit_code, ()) is not None  # a stopped run's status is `stopped`


def _pair(label: str, value: str) -> Text:
    text = Text(f"{label:<14}", style="bold")
    text.append(visible(value))
    return text


def _counts(report: RerunReport) -> str:
    shown = [ran_live(report.counts[name], report.live_endpoints) if name == "live"
             else f"{report.counts[name]} {words}" for name, words in _SOURCES if report.counts.get(name)]
    return ", ".join(shown) or "no replayable call was made"


def _unhooked(report: RerunReport) -> str:
    """The tools whose bodies ran again because no hook of ours holds them, and whether that changed anything."""
    said = f"{plural(report.unhooked_tools, 'tool call')} no hook recorded ran again (seen on the wire or " \
           "through OpenTelemetry)"
    comparison = report.comparison
    they = "it" if report.unhooked_tools == 1 else "they"
    if comparison is not None and comparison.first is None:
        return f"{said}: {they} returned what the recording has"
    if report.ran_again:
        return f"{said}: what {they} returned is compared below"
    return f"{said}: none has a recorded twin to compare with" if comparison is not None else said


def _ran_again(report: RerunReport) -> list[Text]:
    """Each tool that ran again beside its recorded twin: `same`, or both results when they differ."""
    lines = []
    for number, tool in enumerate(report.ran_again):
        label = "ran again" if number == 0 else ""
        if tool.same:
            lines.append(_pair(label, f"{tool.key}: returned what the recording has"))
            continue
        lines.append(Text.assemble(_pair(label, f"{tool.key}: returned something else"), style="yellow"))
        lines.append(_pair("", f"  recorded: {short_repr(tool.recorded, 160)}"))
        lines.append(_pair("", f"  rerun:    {short_repr(tool.rerun, 160)}"))
    return lines


def _miss(miss: Any, forked: bool) -> list[Text]:
    lines = miss_lines(miss)
    if miss.path == "-":  # a connection outside the HTTP hooks: nothing a mock could answer
        lines.append(Text("  let it through with --on-miss live", style="dim"))
    elif forked:  # a fork takes no --mock; from its call on, only a request of an --offline fork misses
        lines.append(Text("  run it for real with --on-miss live or --live-tools" if miss.call.startswith("tool:")
                          else "  send it live: drop --offline", style="dim"))
    else:
        lines.append(Text("  run it for real with --on-miss live, or give it an answer with --mock "
                          f"'{miss.call}=JSON'", style="dim"))
    return lines


def _divergence(report: RerunReport) -> list[Text]:
    comparison = report.comparison
    if comparison is None:
        return [_pair("divergence", "not compared: the rerun wrote no trace")]
    counts = (f"{plural(comparison.same, 'event')} the same, {comparison.different} different, "
              f"{comparison.only_old} only in the recording, {comparison.only_new} only in the rerun")
    first = comparison.first
    if first is None:
        return [_pair("divergence", f"none ({counts})")]
    lines = [_pair("divergence", first.what),
             _pair("", f"recorded: {_ref(first.old)}"),
             _pair("", f"rerun:    {_ref(first.new)}"),
             _pair("", counts)]
    if report.parted_how == "forked":
        lines.append(_pair("", f"the rerun was forked at {report.parted}: a divergence after it is what the fork "
                               "changed"))
    elif report.mocked:
        lines.append(_pair("", f"the rerun was mocked from {report.mocked[0]} on: a divergence after it is "
                               "what the mock changed"))
    return lines


def _ref(ref: ComparedEvent | None) -> str:
    if ref is None:
        return "-"
    return f"#{ref.seq} {ref.event_type} {ref.place} ({ref.where})"


def _ending(ending: RunEnding) -> str:
    if ending.stopped is not None:  # the app was stopped, not ended: by what, and the stop's own words, unless
        said = ending.error_message  # they are its why (a quit's)
        return f"stopped: {ending.stopped}" + (f" ({said})" if said and said != ending.stopped else "")
    text = ending.status if ending.status == "failed" or not ended_failed(ending) else f"failed: {ending.status}"
    if ending.exit_code is not None:
        text += f", exit code {ending.exit_code}"
    if ending.error_type:
        text += f", {ending.error_type}: {ending.error_message or ''}"
    return text
