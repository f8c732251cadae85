"""`check`'s use case: the runs named, each judged against the rules of the workspace, --rules and the flags."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..analysis.prices import Pricer
from ..analysis.report import Report
from ..analysis.tally import Options
from ..analysis.window import EventWindow
from ..checks.evaluate import SECTIONS_READ
from ..checks.results import CheckReport
from ..checks.rules import Rule, active, merge, rules_from_flags
from ..checks.rules_file import read_rules_file, read_workspace_checks
from ..checks.run import check_report, check_run, new_scan
from ..checks.scan import EventScan
from ..model.errors import TraceError, UsageError
from ..store.reader import TraceReader
from ..store.sources import RunSource, seekable
from .split.cut import halving_cut
from .analyze.analyze import read_report
from .analyze.counting import Counted
from .environment import Environment, Progress, count_bytes, ignore
from .split.forked import Forked, worth_forking
from .traces import TraceArgs, make_pricer, make_reader, open_traces

if TYPE_CHECKING:
    from .split.analyze_halves import Halves


@dataclass(frozen=True)
class CheckRequest:
    """The runs, the --rules file and the rule flags (by vocabulary key: `max_p95`, None or () when not given)."""

    runs: TraceArgs = field(default_factory=TraceArgs)
    rules_path: Path | None = None
    flags: Mapping[str, Any] = field(default_factory=dict)
    cache: bool = True  # False (--no-cache): no index sidecar written beside a trace


def check_traces(request: CheckRequest, env: Environment) -> CheckReport:
    """Every run judged on its own. Raises UsageError when there are no rules, TraceError for a run without events."""
    flag_rules = rules_from_flags(dict(request.flags))
    sources, resolved = open_traces(request.runs, env)
    file_rules = read_rules_file(request.rules_path, env.cwd) if request.rules_path is not None else []
    rules = active(merge(read_workspace_checks(resolved.workspace), file_rules, flag_rules))
    if not rules:
        raise UsageError("no rules to check", hint='give flags such as --max-errors 0, --rules FILE, or a "checks" '
                                                  "object in .namel3ss/debug.json")
    settings = resolved.settings
    pricer = make_pricer(env, None, settings.price_overrides)
    secrets = None
    if any(rule.key == "forbid_secrets" for rule in rules):
        from ..checks.secrets import SecretFinder  # noqa: PLC0415 - the tracer's redactor, only for forbid_secrets

        secrets = SecretFinder(settings.redact_keys, settings.redact_patterns)
    runs = []
    for source in sources:
        scan = new_scan(rules, secrets)
        halves = _halves(source, scan, pricer, request.runs.strict, env)  # forked before the progress bar starts
        report = (_report_elsewhere(source, rules, pricer, request.runs.strict, env, request.cache)
                  if halves is None else None)
        progress = env.progress([source])
        reader = make_reader(request.runs.strict, env, progress=progress.advance, write_index=request.cache)
        read = _halves_reading(halves, reader, progress) if halves is not None else None
        try:
            with progress:
                run, events = check_run(source, reader, rules, pricer=pricer, scan=scan, read=read,
                                        analysed=report.result if report is not None else None)
        finally:
            if report is not None:
                report.cancel()
        if not events:
            raise TraceError(f"no events in {', '.join(source.files)}", hint="the trace is empty: was the run traced?")
        runs.append(run)
    return check_report(runs, rules)


def _halves(source: RunSource, scan: EventScan, pricer: Pricer, strict: bool, env: Environment) -> Halves | None:
    """A big run read in two halves (`analyze`'s), each scanned on the way, when the rules need a report and
    the run can be cut at a quiet point; None otherwise."""
    cut = halving_cut([source]) if scan.reads_fields else None
    if cut is None:
        return None
    from .split.analyze_halves import Halves  # noqa: PLC0415 - only big runs

    return Halves(source, cut, Options(sections=frozenset(SECTIONS_READ)), EventWindow(frozenset(), None, None), pricer,
                  strict, env.warn, scan)


def _halves_reading(halves: Halves, reader: TraceReader, progress: Progress) -> Callable[[], Report]:
    """The halves' report, read when `check_run` asks for it, by this run's reader and progress bar."""
    return lambda: halves.report(reader, Counted(reader.problems), bytes_read=lambda: progress.done,
                                 progress=progress.advance)


def _report_elsewhere(source: RunSource, rules: list[Rule], pricer: Pricer, strict: bool,
                      env: Environment, index: bool) -> Forked[Report] | None:
    """The run's report, being made by a second process (`analyze`'s reading, its two halves for a big run)
    while this one scans the events, when the rules need a report and the run's files can be read twice
    (not standard input) and are big enough to pay for a second process; None to make it here, in one pass."""
    if all(rule.key == "forbid_secrets" for rule in rules) or not all(seekable(path) for path in source.files):
        return None
    if not worth_forking(source.files):
        return None
    quiet = replace(env, warn=ignore, progress=count_bytes)  # this process says what the reading meets
    window = EventWindow(frozenset(), None, None)
    return Forked(lambda: read_report([source], Options(), window, pricer, SECTIONS_READ, strict, 2, quiet,
                                      index=index)[0])
