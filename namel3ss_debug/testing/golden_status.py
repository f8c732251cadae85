"""The pytest side of `namel3ss-debug golden status`: with `--n3-golden-report FILE`, the plugin registers a
`GoldenReporter`, which appends one JSON line a test marked n3replay to FILE once the test is over
(`model/golden_status.GoldenEntry`: its golden file, status, first miss, unused recorded calls).

Each line is appended whole, in one write, to a file the command made: pytest-xdist's workers may share it.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Generator

import orjson
import pytest

from ..model.golden_status import FAILED, MISSING, OK, SKIPPED, STALE, UNUSED, GoldenEntry, MissNote
from ..rerun.candidates import Miss
from .golden import MISSING as NO_FILE
from .golden import GoldenSession

MAX_WHY = 300  # characters of a test's own failure kept in its line


class GoldenReporter:
    """Writes each n3replay test's `GoldenEntry` to `path`; `golden` is the plugin's stash key of the item's
    `GoldenSession`, `golden_path` its function that names a test's golden file (for a test skipped before its
    session was made)."""

    def __init__(self, path: Path, golden: pytest.StashKey[Any], golden_path: Callable[[pytest.Item, Any], Path]):
        self.path = path
        self.golden = golden
        self.golden_path = golden_path
        self._reports: dict[str, list[pytest.TestReport]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._reports.setdefault(report.nodeid, []).append(report)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, Any, None]:
        yield  # the test's setup, call and teardown are over, their reports made
        reports = self._reports.pop(item.nodeid, [])
        if item.get_closest_marker("n3replay") is None:
            return
        entry = golden_entry(item.nodeid, item.stash.get(self.golden, None), reports)
        if entry.golden is None:
            entry = self._named(entry, item)
        line = orjson.dumps(entry.to_json()) + b"\n"
        handle = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(handle, line)
        finally:
            os.close(handle)


    def _named(self, entry: GoldenEntry, item: pytest.Item) -> GoldenEntry:
        """The entry of a test with no golden session (skipped first, or a marker that cannot be read) with its
        golden file, when the marker names one that can be."""
        marker = item.get_closest_marker("n3replay")
        args = marker.args if marker is not None else ()
        if len(args) > 1 or (args and not isinstance(args[0], (str, os.PathLike))):
            return entry
        path = self.golden_path(item, args[0] if args else None)
        try:
            shown = str(path.relative_to(item.config.rootpath))
        except ValueError:
            shown = str(path)
        return replace(entry, golden=str(path), shown=shown)


def golden_entry(nodeid: str, session: GoldenSession | None, reports: list[pytest.TestReport]) -> GoldenEntry:
    """What the test's reports and its golden session say of its golden run."""
    outcome, why = _outcome(reports)
    if session is None:  # the marker could not be read: the setup failed saying why
        return GoldenEntry(nodeid, None, None, SKIPPED if outcome in ("skipped", "xfailed") else FAILED, outcome,
                           why)
    plan = session.plan
    entry = GoldenEntry(nodeid, str(plan.path), plan.shown, OK, outcome)
    misses = session.misses
    if misses:
        return replace(entry, status=STALE, miss=_note(misses[0], session), misses=len(misses),
                       unused=tuple(session.unused))
    if outcome in ("skipped", "xfailed"):  # before its golden file is looked for (the plugin skips it first)
        return replace(entry, status=SKIPPED, why=why)
    if plan.action == NO_FILE:
        return replace(entry, status=MISSING)
    if outcome == "failed":
        return replace(entry, status=FAILED, why=why, unused=tuple(session.unused))
    unused = tuple(session.unused)
    return replace(entry, status=UNUSED if unused else OK, unused=unused)


def _outcome(reports: list[pytest.TestReport]) -> tuple[str, str | None]:
    """The test's worst outcome over its phases (failed > xfailed > skipped > passed) and its message."""
    for report in reports:
        if report.failed:
            return "failed", _message(report)
    for report in reports:
        if report.skipped:
            return ("xfailed" if hasattr(report, "wasxfail") else "skipped"), _message(report)
    return "passed", None


def _message(report: pytest.TestReport) -> str:
    """A report's failure or skip reason on one line: pytest's own short form (`E  assert ...` / the reason)."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (file, line, reason)
        text = str(longrepr[2])
    else:
        crash = getattr(longrepr, "reprcrash", None)
        text = crash.message.removeprefix("Failed: ") if crash is not None else str(longrepr)  # pytest.fail's
    if hasattr(report, "wasxfail") and report.wasxfail:
        text = f"xfail: {report.wasxfail}"
    if report.when != "call" and report.failed:
        text = f"{report.when}: {text}"
    line = " ".join(text.split())
    return line if len(line) <= MAX_WHY else line[:MAX_WHY - 3] + "..."


def _note(miss: Miss, session: GoldenSession) -> MissNote:
    """The first miss, its paths as the golden file's own (not the temporary copy's `<project>` restored)."""
    copy, shown = session.copy, session.plan.shown

    def text(value: str) -> str:
        return value.replace(copy, shown) if copy else value

    nearest = miss.candidates[0] if miss.candidates else None
    return MissNote(text(miss.call), text(miss.path), text(miss.why), text(nearest.key) if nearest else None,
                    text(nearest.where) if nearest else None,
                    tuple(text(reason) for reason in nearest.reasons) if nearest else ())
