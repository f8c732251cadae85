"""`check`'s use case: the runs named, each judged against the rules of the workspace, --rules and the flags."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import msgspec

from ..analysis.thresholds import Judging, thresholds_from
from ..analysis.run_state import Options
from ..checks.results import CheckReport, RunCheck
from ..checks.rules import Rule, active, merge, rules_from_flags
from ..checks.rules_file import read_rules_file, read_workspace_checks
from ..checks.evaluate import sections_read
from ..checks.run import check_report, judged, new_scan
from ..checks.scan_parts import ScanRecipe
from ..config import Settings
from ..model.errors import UsageError
from ..store.problems import ReadProblems
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .diagnose_places import event_places
from .each_run import each_run
from .environment import Environment
from .reading.plan import plan_read
from .reading.read import no_events, read
from .reading.settings import pass_settings
from .reading.watching import Watching
from .traces import TraceArgs, make_pricer, open_traces


if TYPE_CHECKING:  # the finder loads the tracer's redactor: only a check of forbid_secrets imports it
    from ..checks.secrets import SecretFinder


@dataclass(frozen=True)
class CheckRequest:
    """The runs, the --rules file and the rule flags (by vocabulary key: `max_p95`, None or () when not given)."""

    runs: TraceArgs = field(default_factory=TraceArgs)
    rules_path: Path | None = None
    flags: Mapping[str, Any] = field(default_factory=dict)
    cache: bool = True  # False (--no-cache): no index sidecar written beside a trace
    jobs: int = 1  # worker processes for many runs at once (`each_run.py`)


def check_traces(request: CheckRequest, env: Environment) -> CheckReport:
    """Every run judged on its own. Raises UsageError when there are no rules, TraceError for a run without events."""
    flag_rules = rules_from_flags(dict(request.flags))
    sources, resolved = open_traces(request.runs, env)
    file_rules = read_rules_file(request.rules_path, env.cwd) if request.rules_path is not None else []
    rules = active(merge(read_workspace_checks(resolved.workspace), file_rules, flag_rules))
    if not rules:
        raise UsageError("no rules to check", hint='give flags such as --max-errors 0, --rules FILE, or a "checks" '
                                                  "object in .namel3ss/debug.json")
    return check_report(list(each_run(_Checker, (request, resolved.settings, rules), sources, request.jobs, env)),
                        rules)


class _Checker:
    """Judges one run (read once: `reading/read.py`), its `fail_on_finding` events placed at `file:line`; made
    once for all the runs of a command, or once a worker (`each_run.py`)."""

    def __init__(self, env: Environment, request: CheckRequest, settings: Settings, rules: list[Rule]):
        self.env, self.request, self.rules, self.settings = env, request, rules, settings
        self.pricer = make_pricer(env, None, settings.price_overrides)
        self.secrets = secret_finder(rules, settings)
        options = Options(judging=Judging(thresholds_from(settings)))  # the diagnosis's, for fail_on_finding
        self.read_settings = pass_settings(options, sections_read(rules), strict=request.runs.strict,
                                           index=request.cache, price_overrides=settings.price_overrides,
                                           scan=scan_recipe(rules, settings))

    def __call__(self, source: RunSource) -> RunCheck:
        request = self.request
        scan = new_scan(self.rules, self.secrets)
        # a scan that reads no field of the report (forbid_secrets alone) reads no section: it needs no pass
        settings = self.read_settings if scan.reads_fields else replace(self.read_settings, sections=())
        plan = plan_read([source], settings, request.jobs)
        done = read(plan, self.pricer, self.env, Watching(scan=scan, count_bytes=False))
        run = _findings_placed(judged(source, self.rules, done.report, scan), source, request.cache)
        if not done.events:
            raise no_events([source])
        return run


def secret_finder(rules: list[Rule], settings: Settings) -> SecretFinder | None:
    """The finder `forbid_secrets` looks with (the tracer's redactor with the workspace's redact_keys and
    redact_patterns), or None without that rule."""
    recipe = scan_recipe(rules, settings)
    return recipe.secret_finder() if recipe is not None else None


def scan_recipe(rules: list[Rule], settings: Settings) -> ScanRecipe | None:
    """What a worker reading a part of one big run makes its scan from (`checks/scan_parts.py`); None without
    rules."""
    if not rules:
        return None
    return ScanRecipe(tuple(rules), tuple(settings.redact_keys), tuple(settings.redact_patterns))


def _findings_placed(run: RunCheck, source: RunSource, index: bool) -> RunCheck:
    """`fail_on_finding`'s events at their `file:line`: a finding's evidence is found after the pass, by seq
    (the scan remembers only the places of errors)."""
    wanted = [(ref.run_id, ref.seq) for result in run.results if result.key == "fail_on_finding"
              for ref in result.events if ref.where is None]
    if not wanted:
        return run
    places = event_places(wanted, {run_id: source for run_id, _ in wanted}, TraceReader(ReadProblems(),
                                                                                        write_index=index))
    results = [msgspec.structs.replace(result, events=[
        msgspec.structs.replace(ref, where=places.get((ref.run_id, ref.seq)) or ref.where) for ref in result.events])
        if result.key == "fail_on_finding" else result for result in run.results]
    return msgspec.structs.replace(run, results=results)
