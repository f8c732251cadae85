"""One run per pytest test, apart from any run that was already active.

The tracer holds one run per process. A test's run takes that slot for the test's duration: a run that
was active before (the session's own, autostarted by `NAMEL3SS_DEBUG_ENABLED=1`, or one the code under test
started with `configure()`) is suspended, not ended, and resumed afterwards with a `performance_marker`
saying which run holds the test's events. Because the slot is process-wide, every event recorded while the
test runs belongs to the test's run, from whichever thread or asyncio task it comes.

Imported by the pytest plugin only when a test is traced; no pytest import here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from ..config import ResolvedSettings, load_settings
from ..model.errors import ConfigError
from ..tracer.api import get_tracer
from ..tracer.context import propagate_to_threads
from ..tracer.core import Tracer
from ..tracer.retention import expired_traces, remove
from ..tracer.run import Run

# A test's assertions must see every event: sampling or filtering would make them flaky. These keys are
# reset for a test's run unless the test's marker sets them itself. Retention too: at each run's start it
# lists the whole directory, once per test; `apply_retention` does it once per session instead.
PER_TEST: dict[str, Any] = {"default_components": [], "default_event_types": [], "min_duration_ms": 0,
                            "sample_rate": 1.0, "trace_retention_days": 0}
# Keys the plugin sets itself: a marker giving them is a mistake worth saying.
RESERVED = ("enabled", "trace_output_dir")
SOURCE = "pytest n3trace"
RUN_STATUS = {"failed": "failed", "xfailed": "failed", "skipped": "skipped"}  # else completed


def resolve_test_settings(directory: Path, marker_settings: Mapping[str, Any], *, environ: Mapping[str, str],
                          cwd: Path) -> ResolvedSettings:
    """The settings of a test's run: marker > `NAMEL3SS_DEBUG_*` > workspace file > defaults, with
    `enabled` and `trace_output_dir` set by the plugin, and filters and retention off unless the marker
    sets them.

    Raises `ConfigError` for a bad or reserved key.
    """
    reserved = sorted(set(RESERVED) & set(marker_settings))
    if reserved:
        raise ConfigError(f"pytest.mark.n3trace(...) cannot set {', '.join(reserved)}",
                          hint="the plugin sets them: every traced test is enabled, and its files go to "
                               "--n3-trace DIR or a temporary directory")
    overrides = {**PER_TEST, **marker_settings, "enabled": True, "trace_output_dir": str(directory)}
    return load_settings(environ, cwd, overrides=overrides, override_source=SOURCE)


def apply_retention(directory: Path, *, environ: Mapping[str, str], cwd: Path) -> list[Path]:
    """Delete the trace files in `directory` older than the configured `trace_retention_days`; the removed."""
    days = load_settings(environ, cwd).settings.trace_retention_days
    return remove(expired_traces(directory, days))


class PerTestRun:
    """A test's run; `end()` closes it and gives the slot back to the run it suspended."""

    def __init__(self, nodeid: str, run: Run, outer: Run | None):
        self.nodeid = nodeid
        self.run = run
        self.outer = outer

    @property
    def paths(self) -> list[Path]:
        """The run's segment files, first to last (one, unless the settings rotate)."""
        return self.run.paths

    def end(self, outcome: str = "passed") -> str | None:
        """Write `run_end` and resume the suspended run. `outcome` is pytest's (`passed`, `failed`, `skipped`,
        `xfailed`): the run's status is `failed` for a failed or xfailed test, `skipped` for a skipped one,
        else `completed`, and its `reason` is `test <outcome>`.

        Returns a problem to report as a warning: the test's run was ended by someone else during the test.
        """
        tracer = get_tracer()
        problem = None
        if tracer.run is self.run:
            tracer.end_run(RUN_STATUS.get(outcome, "completed"), reason=f"test {outcome}")
        else:
            problem = (f"the run of {self.nodeid} was ended during the test (by configure(), capture_events() or "
                       f"get_tracer().end_run()); the events after that are not in its trace")
        self._resume(tracer)
        return problem

    def _resume(self, tracer: Tracer) -> None:
        outer = self.outer
        if outer is None or outer.ended or tracer.run is not None:
            return
        tracer.run = outer
        propagate_to_threads(True)  # end_run turned it off with the test's run
        tracer.instant("performance_marker", "custom", "n3trace", attrs={
            "test": self.nodeid, "test_run_id": self.run.run_id, "suspended_from": self.run.start_ts,
            "reason": "the test's events are in its own run"})


def start_test_run(nodeid: str, resolved: ResolvedSettings, start_attrs: dict[str, Any] | None = None) -> PerTestRun:
    """Start the test's run with `resolved` settings (from `resolve_test_settings`), suspending any other;
    `start_attrs` go into its `run_start` (a golden run's `replay_of`).

    Runs without the process hooks (flush thread, signal and exception hooks): pytest owns those while a
    test runs, and the run is flushed whenever the test reads its events and when it ends.
    """
    tracer = get_tracer()
    outer, tracer.run = tracer.run, None  # suspended: not ended, its file stays open
    entry = {"kind": "pytest", "name": nodeid}
    try:
        run = tracer.start_run(resolved, entry=entry, argv=["python", "-m", "pytest", nodeid], install_hooks=False,
                              startup=False, start_attrs=start_attrs)
    except BaseException:
        tracer.run = outer
        raise
    return PerTestRun(nodeid, run, outer)
