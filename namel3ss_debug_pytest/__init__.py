"""The pytest plugin of namel3ss-debug (entry point `pytest11: namel3ss_debug`): trace assertions in a
project's own tests.

- the `n3trace` fixture records the test into its own run and yields a `TraceAssertions`;
- `--n3-trace DIR` records every test into its own run in DIR (`--n3-trace-keep failed` keeps only the
  runs of tests that failed);
- `@pytest.mark.n3trace(**settings)` gives a test's run configuration keys, above `NAMEL3SS_DEBUG_*` and
  the workspace file.

Inert unless used: this is a package of its own so that pytest loading it does not import `namel3ss_debug`
(whose import starts a run when tracing is enabled in the environment): it imports only pytest and the
standard library, the tracer and the testing helpers load inside the fixture or when `--n3-trace` is given,
and without the fixture or the option no hook does more than a dictionary lookup. `-p no:namel3ss_debug`
turns the plugin off.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Generator, Iterator

import pytest
from pluggy import Result

KEEP_CHOICES = ("all", "failed")
_RUN = pytest.StashKey[Any]()  # the item's PerTestRun
_OUTCOME = pytest.StashKey[str]()  # the test's outcome so far: passed, skipped, xfailed or failed


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("namel3ss-debug", "namel3ss-debug tracing")
    group.addoption("--n3-trace", metavar="DIR", dest="n3_trace", default=None,
                    help="record every test into its own run in DIR (namel3ss-debug trace files).")
    group.addoption("--n3-trace-keep", dest="n3_trace_keep", choices=KEEP_CHOICES, default=None,
                    help="with --n3-trace: keep the runs of all tests (default) or only of those that failed.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "n3trace(**settings): namel3ss-debug settings for this test's run "
                                       "(the n3trace fixture or --n3-trace), e.g. price_overrides={...}.")
    directory = config.getoption("n3_trace")
    keep = config.getoption("n3_trace_keep")
    if directory is None:
        if keep is not None:
            raise pytest.UsageError("--n3-trace-keep needs --n3-trace DIR")
        return
    if not directory.strip():
        raise pytest.UsageError("--n3-trace needs a directory")
    path = Path(config.invocation_params.dir, Path(directory).expanduser())
    _check_writable(path)
    _apply_retention(path, config.invocation_params.dir)
    config.pluginmanager.register(EveryTestTraced(path, keep or "all"), "namel3ss_debug-every-test")


def _check_writable(directory: Path) -> None:
    """A trace directory that cannot be written is a usage error before any test: else every test would
    pass on a trace with no events."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise pytest.UsageError(f"--n3-trace {directory}: cannot make the directory ({exc.strerror or exc})") from None
    if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
        raise pytest.UsageError(f"--n3-trace {directory}: not a directory this user can write to")


def _apply_retention(directory: Path, cwd: Path) -> None:
    """`trace_retention_days` for DIR, once per session; a bad configuration stops pytest before any test."""
    # namel3ss_debug loads only when --n3-trace is given: importing it may start a run (module docstring)
    from namel3ss_debug.model.errors import ConfigError  # noqa: PLC0415 - only with --n3-trace
    from namel3ss_debug.testing.per_test import apply_retention  # noqa: PLC0415 - only with --n3-trace

    try:
        apply_retention(directory, environ=os.environ, cwd=cwd)
    except ConfigError as exc:
        raise pytest.UsageError(f"--n3-trace: namel3ss-debug configuration error: {exc}") from None


class EveryTestTraced:
    """`--n3-trace DIR`: one run per test, from the start of its setup to the end of its teardown."""

    def __init__(self, directory: Path, keep: str):
        self.directory = directory
        self.keep = keep

    # A plain implementation, not a wrapper: a bad setting fails the setup, and an exception raised before a
    # wrapper's yield would skip the other wrappers' setup (pytest's logging then fails at teardown). Among the
    # first implementations, those of plugins registered later run first: this one before the fixtures, and
    # before the skip and xfail markers are evaluated, so a skipped test has a run too, of status `skipped`.
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        item.stash[_RUN] = _start(item, self.directory)

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, Result[None], None]:
        outcome = yield
        run = item.stash.get(_RUN, None)
        if run is None:
            return
        if outcome.excinfo is not None:  # a fixture's teardown failed: its report is not made yet
            item.stash[_OUTCOME] = "failed"
        _end(item, run)
        if self.keep == "failed" and item.stash.get(_OUTCOME, "passed") != "failed":
            from namel3ss_debug.tracer.retention import remove  # noqa: PLC0415 - loaded with the run already

            remove(run.paths)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None],
                               ) -> Generator[None, Result[pytest.TestReport], None]:
    """Note the test's outcome, and name the trace file under a failed test's report."""
    outcome = yield
    run = item.stash.get(_RUN, None)
    if run is None:
        return
    report = outcome.get_result()
    _note_outcome(item, report)
    if report.failed:
        if run.paths:
            path = run.paths[0]
            report.sections.append(("namel3ss-debug trace", f"{path}\n  namel3ss-debug inspect {path} --tree\n"
                                                            f"  namel3ss-debug analyze {path}\n"))


@pytest.fixture
def n3trace(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Record this test into its own run and yield a `TraceAssertions` over its events.

    The run starts when the fixture is set up (request it first to record the other fixtures' setup too)
    and ends at its teardown. Its files go to a temporary directory (`<basetemp>/n3trace-<test>N/`), or,
    with `--n3-trace DIR`, are the run that option records for the test.
    """
    from namel3ss_debug.testing.trace_assertions import TraceAssertions  # noqa: PLC0415 - the tracer loads only when used

    item = request.node
    run = item.stash.get(_RUN, None)
    if run is not None and not run.run.ended:  # --n3-trace started the test's run: assert on that one
        yield TraceAssertions(run.run)
        return
    run = _start(item, tmp_path_factory.mktemp(f"n3trace-{_slug(item.name)}", numbered=True))
    item.stash[_RUN] = run
    try:
        yield TraceAssertions(run.run)
    finally:
        _end(item, run)


def _start(item: pytest.Item, directory: Path) -> Any:
    """The test's run, with its marker's settings; a bad setting fails the test's setup with the reason."""
    # namel3ss_debug loads only for a test that is traced: importing it may start a run (module docstring)
    from namel3ss_debug.model.errors import ConfigError  # noqa: PLC0415 - only a traced test needs it
    from namel3ss_debug.testing.per_test import (  # noqa: PLC0415 - only a traced test needs them
        resolve_test_settings, start_test_run,
    )

    marker = item.get_closest_marker("n3trace")
    settings = dict(marker.kwargs) if marker is not None else {}
    if marker is not None and marker.args:
        pytest.fail("n3trace: pytest.mark.n3trace takes settings as keywords, e.g. "
                    "@pytest.mark.n3trace(capture_inputs=False)", pytrace=False)
    try:
        resolved = resolve_test_settings(directory, settings, environ=os.environ,
                                         cwd=item.config.invocation_params.dir)
    except ConfigError as exc:
        pytest.fail(f"n3trace: configuration error: {exc}", pytrace=False)
    item.stash[_OUTCOME] = "passed"  # a rerun of the item starts afresh
    return start_test_run(item.nodeid, resolved)


def _note_outcome(item: pytest.Item, report: pytest.TestReport) -> None:
    """The worst outcome of the phases so far: failed > xfailed > skipped > passed."""
    if report.failed:
        outcome = "failed"
    elif report.skipped:
        outcome = "xfailed" if hasattr(report, "wasxfail") else "skipped"
    else:
        return
    order = ("passed", "skipped", "xfailed", "failed")
    if order.index(outcome) > order.index(item.stash.get(_OUTCOME, "passed")):
        item.stash[_OUTCOME] = outcome


def _end(item: pytest.Item, run: Any) -> None:
    problem = run.end(item.stash.get(_OUTCOME, "passed"))
    if problem is not None:
        item.warn(pytest.PytestWarning(f"n3trace: {problem}"))


def _slug(name: str) -> str:
    """A test name as a short directory name, as pytest's `tmp_path` makes it."""
    return re.sub(r"\W", "_", name)[:30]
