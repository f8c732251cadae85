"""The golden runs' side of the pytest plugin (`@pytest.mark.n3replay`): the test's `GoldenSession` from its marker,
the options and the ini keys, its golden file's path, its failure on a call the golden run lacks, and what the
session's summary says of it. The hooks that call these are in the package's `__init__.py`.

Like the rest of the plugin it imports only pytest and the standard library when it loads; namel3ss_debug loads
inside these functions, for a golden test only.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

GOLDEN = pytest.StashKey[Any]()  # the item's GoldenSession (n3replay)
NOTE = pytest.StashKey[str]()  # the item's: what its golden run did, for the session's summary
GOLDEN_MODULES = pytest.StashKey[set[Path]]()  # the config's: the test modules that name n3replay
GOLDEN_KEYS = ("record", "tools", "volatile")


def capture_calls() -> None:
    from namel3ss_debug.launch.capture import capture_calls  # noqa: PLC0415 - only for golden runs

    capture_calls()


def golden_session(item: pytest.Item) -> Any:
    """The test's GoldenSession (stashed) when it is marked n3replay, else None; a bad marker fails the setup."""
    marker = item.get_closest_marker("n3replay")
    if marker is None:
        return None
    from namel3ss_debug.model.errors import ConfigError  # noqa: PLC0415 - only a golden test needs them
    from namel3ss_debug.testing.golden import GoldenPlan, GoldenSession  # noqa: PLC0415 - only a golden test needs them

    unknown = sorted(set(marker.kwargs) - set(GOLDEN_KEYS))
    if unknown or len(marker.args) > 1 or any(not isinstance(arg, (str, os.PathLike)) for arg in marker.args):
        pytest.fail("n3replay: pytest.mark.n3replay takes an optional path to the golden file and the keywords "
                    f"{', '.join(GOLDEN_KEYS)}" + (f" (not {', '.join(unknown)})" if unknown else ""), pytrace=False)
    config = item.config
    volatile = marker.kwargs.get("volatile", ())
    if isinstance(volatile, str):
        volatile = (volatile,)
    try:
        plan = GoldenPlan(path=golden_path(item, marker.args[0] if marker.args else None),
                          mode=config.getoption("n3_record") or marker.kwargs.get("record")
                          or str(config.getini("n3_record") or "none").strip(),
                          tools=marker.kwargs.get("tools") or str(config.getini("n3_tools") or "recorded").strip(),
                          volatile=(*config.getini("n3_volatile"), *volatile), root=config.rootpath,
                          nodeid=item.nodeid, temp=config._tmp_path_factory.getbasetemp(),  # type: ignore[attr-defined]
                          trusted=bool(config.getoption("n3_trust_golden")))
    except (ConfigError, TypeError) as exc:
        problem = str(exc)
    else:
        golden = GoldenSession(plan)
        item.stash[GOLDEN] = golden
        return golden
    pytest.fail(f"n3replay: {problem}", pytrace=False)  # outside the except: no "during handling" chain


def golden_path(item: pytest.Item, given: Any) -> Path:
    """The golden file: `given` (relative to the test's file), else `golden/<test module>/<test name>.jsonl`
    beside the test (a class's test is `Class.test`; a parametrized one's id is in its name)."""
    test_file = Path(str(item.path))
    if given is not None:
        return test_file.parent / Path(given).expanduser()
    name = item.nodeid.split("::", 1)[-1].replace("::", ".")
    return test_file.parent / "golden" / test_file.stem / (re.sub(r"[^\w.\-\[\]]", "_", name) + ".jsonl")


def golden_verdict(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """A test answered from its golden run fails on a call the golden run lacks, even one the app swallowed;
    its failure says which call, the nearest recorded one and what changed, not the traceback of our stop."""
    golden = item.stash.get(GOLDEN, None)
    if golden is None or report.skipped:
        return
    if golden.refused is not None:  # the test stopped before a tool a golden run from elsewhere chose
        if report.when == "call":
            report.outcome = "failed"
            report.longrepr = golden.refused
        return
    misses = golden.misses
    if golden.reported < len(misses):
        from namel3ss_debug.testing.golden_miss import miss_text  # noqa: PLC0415 - loaded with the golden run

        text = miss_text(misses[golden.reported], golden.plan.shown, item.nodeid, golden.copy)
        golden.reported = len(misses)
        error = call.excinfo.value if call.excinfo is not None else None
        stopped = error is not None and _our_stop(error)
        if stopped:  # threads of the app's may wait for code the stop skipped: the session's end bounds them
            from namel3ss_debug.tracer import lifecycle  # noqa: PLC0415 - loaded with the golden run

            lifecycle.note_stopped()
        if report.passed or stopped:
            report.outcome = "failed"
            report.longrepr = text
        else:  # the app went on past the miss, then failed: the miss is the cause, its failure one line after
            report.longrepr = f"{text}\nthen the test failed: {_first_line(error)}"


_STOPS = ("RerunMiss", "RerunStop")


def _our_stop(error: BaseException) -> bool:
    """Whether the test failed with our stop, raised as it is or wrapped by the framework the stop went through
    (LlamaIndex's `WorkflowRuntimeError` from it, an exception group of a task group): its traceback is the
    framework's, ~150 lines that bury the miss, so the miss alone is said."""
    seen: set[int] = set()
    found = [error]
    while found:
        current = found.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if type(current).__name__ in _STOPS:
            return True
        found.extend(link for link in (current.__cause__, current.__context__) if link is not None)
        grouped = getattr(current, "exceptions", None)  # an exception group's (no BaseExceptionGroup on 3.10)
        if isinstance(grouped, (tuple, list)):
            found.extend(inner for inner in grouped if isinstance(inner, BaseException))
    return False


def _first_line(error: BaseException | None) -> str:
    """The test's own failure after the miss, in one line (its type and the first line of its message)."""
    if error is None:
        return "a later phase failed"
    said = str(error).strip().splitlines()
    return f"{type(error).__name__}: {said[0][:200]}" if said else type(error).__name__


def note_golden(item: pytest.Item, golden: Any) -> None:
    """What the session's summary says of this test's golden run: carried by its teardown's report (an attribute
    `n3_golden`), so that under pytest-xdist it reaches the controller, which prints the summary."""
    if golden.written:
        item.stash[NOTE] = f"recorded {golden.plan.shown} ({item.nodeid})"
    elif golden.written is False:
        item.stash[NOTE] = f"unchanged {golden.plan.shown} ({item.nodeid}): the new recording says the same"
    elif golden.why_not:
        item.stash[NOTE] = f"not recorded {golden.plan.shown} ({item.nodeid}): {golden.why_not}"


class GoldenNotes:
    """What the session's golden runs did (recorded, unchanged, not recorded), from the tests' reports, for its
    summary."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        note = getattr(report, "n3_golden", None)
        if isinstance(note, str):
            self.notes.append(note)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.notes:
            terminalreporter.section("namel3ss-debug golden runs")
            for note in self.notes:
                terminalreporter.write_line(note)
