"""Where a test run's time went: at the end of the run, the seconds its tests took by kind (the fast set, and
each of the markers `slow`, `browser`, `frameworks`) and the files that took longest, beside pytest's own
`--durations` list of the slowest tests.

The seconds are the tests' own (setup, call and teardown, as each report gives them), summed over every
worker: on two workers a run of 600 s of wall-clock time holds up to 1,200 s of them."""

from __future__ import annotations

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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    """Each report carries its test's kind (in `user_properties`, which reach the controller under xdist)."""
    outcome = yield
    outcome.get_result().user_properties.append(("kind", kind_of(item)))  # type: ignore[attr-defined]


@dataclass
class TimeSpent:
    """Seconds and test counts by kind, and seconds by file."""

    seconds: Counter[str] = field(default_factory=Counter)
    tests: Counter[str] = field(default_factory=Counter)
    files: Counter[str] = field(default_factory=Counter)

    def add(self, report: pytest.TestReport) -> None:
        kind = str(dict(report.user_properties).get("kind", "fast"))
        self.seconds[kind] += report.duration
        self.files[report.nodeid.split("::")[0]] += report.duration
        if report.when == "call" or (report.when == "setup" and report.skipped):
            self.tests[kind] += 1

    def lines(self) -> list[str]:
        total = sum(self.seconds.values())
        kinds = ", ".join(f"{kind} {self.seconds[kind]:,.0f} s ({self.tests[kind]:,} tests)"
                          for kind in ("fast", *KINDS) if self.tests[kind] or self.seconds[kind])
        lines = [f"{total:,.0f} s of test time in all: {kinds}", "the files that took longest:"]
        lines += [f"{seconds:8.1f} s  {path}" for path, seconds in self.files.most_common(FILES_SHOWN)]
        return lines


class TimingReport:
    """The pytest plugin: collects each test's reports (on the controller, under xdist) and prints the sums."""

    def __init__(self) -> None:
        self.spent = TimeSpent()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.spent.add(report)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.spent.files:
            return
        terminalreporter.write_sep("=", "where the time went")
        for line in self.spent.lines():
            terminalreporter.write_line(line)
