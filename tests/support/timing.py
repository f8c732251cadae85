"""Where a test run's time went: at the end of the run, the seconds its tests took by kind (the fast set, and
each of the markers `slow`, `browser`, `frameworks`) and the files that took longest, beside pytest's own
`--durations` list of the slowest tests.

First, the run's wall-clock seconds, from the session's start to the summary: the figure the README's test
command (the fast set) is held to, at most 600 s on a 2-core machine. The seconds after it are the tests' own
(setup, call and teardown, as each report gives them), summed over every worker: on two workers a run of 600 s
of wall-clock time holds up to 1,200 s of them. Beside them, the CPU seconds each kind spent: in the test
process, and in the processes its tests started and waited for (an app run under `trace`, a command run as a
user runs it, a pytest session of a sample project)."""

from __future__ import annotations

import resource
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

KINDS = ("frameworks", "browser", "slow")  # a test marked with several counts under the first of them
FILES_SHOWN = 12


def kind_of(item: pytest.Item) -> str:
    """The kind a test counts under: its first marker of KINDS, or `fast` (markers, not keywords: a parameter's
    id may be `slow` too)."""
    markers = {mark.name for mark in item.iter_markers()}
    return next((kind for kind in KINDS if kind in markers), "fast")


def cpu_seconds() -> tuple[float, float]:
    """The CPU seconds (user and system) of this process so far, and of the children it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


_phase_start = cpu_seconds()


def pytest_runtest_logstart() -> None:
    global _phase_start
    _phase_start = cpu_seconds()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    """Each report carries its test's kind and the CPU seconds of its phase, here and in the processes it
    started (in `user_properties`, which reach the controller under xdist)."""
    global _phase_start
    outcome = yield
    now = cpu_seconds()
    properties = outcome.get_result().user_properties  # type: ignore[attr-defined]
    properties += [("kind", kind_of(item)), ("cpu", now[0] - _phase_start[0]), ("child_cpu", now[1] - _phase_start[1])]
    _phase_start = now


@dataclass
class TimeSpent:
    """Seconds and test counts by kind, and seconds by file."""

    seconds: Counter[str] = field(default_factory=Counter)
    tests: Counter[str] = field(default_factory=Counter)
    files: Counter[str] = field(default_factory=Counter)
    cpu: Counter[str] = field(default_factory=Counter)
    child_cpu: Counter[str] = field(default_factory=Counter)
    file_child_cpu: Counter[str] = field(default_factory=Counter)

    def add(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties)
        kind, path = str(properties.get("kind", "fast")), report.nodeid.split("::")[0]
        self.seconds[kind] += report.duration
        self.files[path] += report.duration
        self.cpu[kind] += float(properties.get("cpu", 0.0))
        self.child_cpu[kind] += float(properties.get("child_cpu", 0.0))
        self.file_child_cpu[path] += float(properties.get("child_cpu", 0.0))
        if report.when == "call" or (report.when == "setup" and report.skipped):
            self.tests[kind] += 1

    def lines(self) -> list[str]:
        shown = [kind for kind in ("fast", *KINDS) if self.tests[kind] or self.seconds[kind]]
        kinds = ", ".join(f"{kind} {self.seconds[kind]:,.0f} s ({_tests(self.tests[kind])})" for kind in shown)
        cpu = ", ".join(f"{kind} {self.cpu[kind]:,.0f} s + {self.child_cpu[kind]:,.0f} s" for kind in shown)
        lines = [f"{sum(self.seconds.values()):,.0f} s of test time in all: {kinds}",
                 f"CPU in the test processes + in the processes they started: {cpu}",
                 "the files that took longest (and the CPU of the processes they started):"]
        lines += [f"{seconds:8.1f} s  {path} ({self.file_child_cpu[path]:,.1f} s)"
                  for path, seconds in self.files.most_common(FILES_SHOWN)]
        return lines


def wall_clock_line(seconds: float) -> str:
    return f"{seconds:,.0f} s of wall-clock time, from the session's start to this summary"


def _tests(count: int) -> str:
    return f"{count:,} test" if count == 1 else f"{count:,} tests"


class TimingReport:
    """The pytest plugin: collects each test's reports (on the controller, under xdist) and prints the sums."""

    def __init__(self) -> None:
        self.spent = TimeSpent()
        self.started = time.monotonic()

    def pytest_sessionstart(self) -> None:
        self.started = time.monotonic()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.spent.add(report)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.spent.files:
            return
        terminalreporter.write_sep("=", "where the time went")
        terminalreporter.write_line(wall_clock_line(time.monotonic() - self.started))
        for line in self.spent.lines():
            terminalreporter.write_line(line)
