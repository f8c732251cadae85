"""How a run turned out, as `verify` judges it: how it ended, its errors, the workspace's rules, `--expect`.

Every part is read where the project already decides it, never decided again here:
- whether the run failed: the one definition (`analysis/failed_run.py`: an error escaped, a non-zero exit code,
  a critical finding that it gave up), from `analyze`'s overview and findings of the run;
- its errors, each handled or unhandled by the one rule (`analysis/handling.py`), from `analyze`'s errors;
- the rules of the workspace's `checks` section, judged as `check` judges them (`ops/judged.judge_run`);
- `--expect` on its final output (`expect.py`).

A run passes when it did not fail, had no error (a handled one too: a run that survived a failed tool is not a
run that went right), broke no rule and met the expectation. What it failed is a list of failures, one for each
way (`ended`, `gave_up`, each error by type, each rule broken, the expectation), which `verdict.py` compares.
Its summary says `failed` only for a failed run, a broken rule or an unmet expectation (what `diagnose` blames);
a run whose only failures are errors it survived is `degraded` (as `analyze`'s health says).
`reached` is how far it got: its LLM and tool calls that completed before anything failed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from ..analysis.failed_run import STOPPED, run_failure
from ..analysis.records.report import Report
from ..checks.results import RunCheck
from ..recording.timeline import END, INSTANT, Timeline
from .expect import Expectation, final_output

COMPLETED = "completed"
SURVIVED = frozenset({"handled"})  # failures a run can have and still not fail: the errors it went on past


@dataclass(frozen=True)
class Failure:
    """One way a run failed: `kind` (`ended`, `gave_up`, `unhandled`, `handled`, `check`, `expect`), what it
    names (the error's type, the finding's kind, the rule's name, the expectation; empty for `ended`) and how it
    reads."""

    kind: str
    name: str
    text: str

    @property
    def label(self) -> str:
        """What two runs' failures are matched by: `unhandled ValueError`, `check max_errors`, `ended`."""
        return f"{self.kind} {self.name}".strip()


@dataclass(frozen=True)
class Outcome:
    """A run's outcome: how it ended, its failures (one per error, rule and expectation), its final output, and
    the calls that completed before its first failure."""

    run_id: str | None
    status: str
    exit_code: int | None
    failures: tuple[Failure, ...]
    final_output: str | None
    reached: int
    handled: int
    unhandled: int

    @property
    def passed(self) -> bool:
        return not self.failures

    def labels(self) -> list[str]:
        return [failure.label for failure in self.failures]

    @property
    def failed(self) -> bool:
        """The run failed (by `analysis/failed_run.py`, a rule or the expectation), not only survived errors."""
        return any(failure.kind not in SURVIVED for failure in self.failures)

    def summary(self) -> str:
        """`passed`, `degraded: handled ToolError x6` or `failed: ended failed (exit code 1), unhandled ValueError`:
        equal failures said once, with their count (`counted`)."""
        if self.passed:
            return "passed"
        return f"{'failed' if self.failed else 'degraded'}: " + counted(failure.text for failure in self.failures)


def counted(texts: Iterable[str]) -> str:
    """Texts joined by commas, each said once in the order first seen, with ` xN` when it came N > 1 times.

    >>> counted(["handled ValueError"] * 6 + ["check max_errors"])
    'handled ValueError x6, check max_errors'
    """
    return ", ".join(text if times == 1 else f"{text} x{times}" for text, times in Counter(texts).items())


def outcome_of(report: Report, check: RunCheck | None, timeline: Timeline,
               expectation: Expectation | None = None) -> Outcome:
    """The outcome of one run: `report` is `analyze`'s (overview and errors), `check` the workspace's rules
    judged against it (None: no rules), `timeline` the run's events."""
    run = report.overview.runs[0] if report.overview is not None and report.overview.runs else None
    status = run.status if run is not None else "unfinished"
    exit_code = run.exit_code if run is not None else None
    failures = _ended(status, exit_code) + _gave_up(report, status, exit_code) + _errors(report)
    if check is not None:
        failures += tuple(Failure("check", result.rule, f"check {result.explanation}") for result in check.failed)
    output = final_output(timeline)
    if expectation is not None and not expectation.holds(output):
        shown = "no final output" if output is None else f"final output {_short(output)}"
        failures += (Failure("expect", expectation.text, f"expect {expectation.text} not met ({shown})"),)
    errors = report.errors
    return Outcome(run.run_id if run is not None else None, status, exit_code, failures, output, reached(timeline),
                   errors.handled if errors is not None else 0, errors.unhandled if errors is not None else 0)


def _ended(status: str, exit_code: int | None) -> tuple[Failure, ...]:
    """How the run ended, when that failed it; a run its rerun stopped (`failed_run.ended_as`) did not end by
    itself, and what failed before the stop is its other failures."""
    if (status == COMPLETED and not exit_code) or status == STOPPED:
        return ()
    code = f" (exit code {exit_code})" if exit_code else ""
    words = "did not end" if status not in (COMPLETED, "failed") else f"ended {status}"
    return (Failure("ended", "", f"{words}{code}"),)


def _gave_up(report: Report, status: str, exit_code: int | None) -> tuple[Failure, ...]:
    """The critical finding that says the run gave up, as the one definition reads it (a run that ended failed
    is already an `ended` failure)."""
    findings = report.findings.findings if report.findings is not None else ()
    failed = run_failure(status, exit_code, findings)
    if failed is None or failed.finding is None:
        return ()
    return (Failure("gave_up", failed.finding.kind, failed.what),)


def _errors(report: Report) -> tuple[Failure, ...]:
    """One failure per error, unhandled ones first, by type in the report's order."""
    if report.errors is None:
        return ()
    found: list[Failure] = []
    for kind in ("unhandled", "handled"):
        for error in report.errors.by_type:
            found += [Failure(kind, error.type, f"{kind} {error.type}")] * getattr(error, kind)
    return tuple(found)


def reached(timeline: Timeline) -> int:
    """The LLM and tool calls that completed before the run's first failure (a span or event `failed`)."""
    count = 0
    for index in range(len(timeline)):
        kind = timeline.kind[index]
        if kind in (END, INSTANT) and timeline.status(index) == "failed":
            break
        if kind == END and timeline.component(index) in ("llm", "tool"):
            count += 1
    return count


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
