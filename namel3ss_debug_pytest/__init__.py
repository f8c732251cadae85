"""The pytest plugin of namel3ss-debug (entry point `pytest11: namel3ss_debug`): trace assertions in a
project's own tests.

- the `n3trace` fixture records the test into its own run and yields a `TraceAssertions`;
- `--n3-trace DIR` records every test into its own run in DIR (`--n3-trace-keep failed` keeps only the
  runs of tests that failed);
- `@pytest.mark.n3trace(**settings)` gives a test's run configuration keys, above `NAMEL3SS_DEBUG_*` and
  the workspace file;
- `@pytest.mark.n3replay(PATH?, record=..., tools=..., volatile=[...])` answers the test's calls from its golden
  run (`golden/<test module>/<test name>.jsonl` beside the test by default), recorded as `--n3-record` (or
  `record=`, or the `n3_record` ini key) says: `none` (the default: replay, offline), `once`, `new`, `rewrite`.

Inert unless used: this is a package of its own so that pytest loading it does not import `namel3ss_debug`
(whose import starts a run when tracing is enabled in the environment): it imports only pytest and the
standard library, the tracer and the testing helpers load inside the fixture, for a test marked n3replay (or a
test module that names it), or when `--n3-trace` or `--n3-record` is given; without them no hook does more than a
dictionary lookup, and reading each test module once to look for `n3replay`. `-p no:namel3ss_debug` turns the
plugin off.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, Generator, Iterator

import pytest
from pluggy import Result

from .golden import (GOLDEN, GOLDEN_MODULES, NOTE, GoldenNotes, capture_calls, golden_path, golden_session,
                     golden_verdict, note_golden)

KEEP_CHOICES = ("all", "failed")
_RUN = pytest.StashKey[Any]()  # the item's PerTestRun
_OUTCOME = pytest.StashKey[str]()  # the test's outcome so far: passed, skipped, xfailed or failed
_OWNED = pytest.StashKey[bool]()  # the n3replay marker started the item's run: its teardown ends it


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("namel3ss-debug", "namel3ss-debug tracing")
    group.addoption("--n3-trace", metavar="DIR", dest="n3_trace", default=None,
                    help="record every test into its own run in DIR (namel3ss-debug trace files).")
    group.addoption("--n3-trace-keep", dest="n3_trace_keep", choices=KEEP_CHOICES, default=None,
                    help="with --n3-trace: keep the runs of all tests (default) or only of those that failed.")
    group.addoption("--n3-record", dest="n3_record", metavar="MODE", default=None,
                    help="what tests marked n3replay do with their golden runs: none (replay, network closed; the "
                         "default), once (record a missing one), new (record only the calls it lacks), rewrite "
                         "(record all again). Above the marker's record= and the n3_record ini key.")
    group.addoption("--n3-trust-golden", dest="n3_trust_golden", action="store_true", default=False,
                    help="let golden runs not recorded here (another's, or edited since) choose the arguments of the "
                         "tools n3replay tests with tools='live' run for real; without it such a tool fails the test "
                         "before it runs. Read the golden files first.")
    group.addoption("--n3-golden-report", dest="n3_golden_report", metavar="FILE", default=None,
                    help="append one JSON line to FILE for each test marked n3replay: its golden file and whether "
                         "its calls still match (what `namel3ss-debug golden status` reads).")
    parser.addini("n3_record", "record mode of n3replay tests (none, once, new, rewrite); default none")
    parser.addini("n3_tools", "n3replay tests' tools: recorded (answered from the golden run, the default) or live")
    parser.addini("n3_volatile", "regular expressions (one per line) for values n3replay matching ignores, "
                                 "beside UUIDs and ISO dates", type="linelist")


_SESSIONS = [0]  # pytest sessions open in this process: a pytester session runs inside another


def pytest_configure(config: pytest.Config) -> None:
    _SESSIONS[0] += 1
    config.addinivalue_line("markers", "n3trace(**settings): namel3ss-debug settings for this test's run "
                                       "(the n3trace fixture or --n3-trace), e.g. price_overrides={...}.")
    config.addinivalue_line("markers", "n3replay(path=None, *, record=None, tools=None, volatile=()): answer this "
                                       "test's LLM, HTTP and tool calls from its golden run (namel3ss-debug).")
    config.pluginmanager.register(GoldenNotes(), "namel3ss_debug-golden-notes")
    _check_record_mode(config.getoption("n3_record"))
    if config.getoption("n3_record") is not None or config.getini("n3_record"):
        capture_calls()
    _report_golden(config)
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


def _check_record_mode(mode: str | None) -> None:
    if mode is None:
        return
    from namel3ss_debug.testing.golden import RECORD_MODES  # noqa: PLC0415 - only with --n3-record

    if mode not in RECORD_MODES:
        raise pytest.UsageError(f"--n3-record {mode!r}: not one of {', '.join(RECORD_MODES)} (none replays, once "
                                "records a missing golden run, new records the calls it lacks, rewrite all)")


def _report_golden(config: pytest.Config) -> None:
    """`--n3-golden-report FILE`: each n3replay test's golden status, a JSON line, to FILE."""
    report = config.getoption("n3_golden_report")
    if report is None:
        return
    from namel3ss_debug.testing.golden_status import GoldenReporter  # noqa: PLC0415 - only with the option

    config.pluginmanager.register(GoldenReporter(Path(config.invocation_params.dir, report), GOLDEN, golden_path),
                                  "namel3ss_debug-golden-report")


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

    # A new-style wrapper: what `_end` raises (a golden file it cannot write) fails the teardown as pytest says it.
    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, None, None]:
        try:
            yield
        except BaseException:  # a fixture's teardown failed: its report is not made yet
            self._ended(item, failed=True)
            raise
        self._ended(item, failed=False)

    def _ended(self, item: pytest.Item, failed: bool) -> None:
        run = item.stash.get(_RUN, None)
        if run is None:
            return
        if failed:
            item.stash[_OUTCOME] = "failed"
        try:
            _end(item, run)
        finally:
            if self.keep == "failed" and item.stash.get(_OUTCOME, "passed") != "failed":
                from namel3ss_debug.tracer.retention import remove  # noqa: PLC0415 - loaded with the run already

                remove(run.paths)


def pytest_pycollect_makemodule(module_path: Path, parent: Any) -> None:
    """Before a test module that names `n3replay` is imported, hook the HTTP clients and frameworks, as
    `namel3ss-debug trace` does before an app starts: a tool or client made at import time (a module-level
    `@function_tool`) is then hooked like one made inside the test. Any other module costs one read."""
    try:
        names = b"n3replay" in module_path.read_bytes()
    except OSError:  # pytest's own import says what is wrong with the file
        return
    if names:
        parent.config.stash.setdefault(GOLDEN_MODULES, set()).add(module_path)
        capture_calls()


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    """While a module that names `n3replay` is imported, and unless `--n3-record` records, an SDK's key variable
    that is unset holds a placeholder, as it does while a golden test runs: a client made at import
    (`client = OpenAI()`) replays with no key. The placeholder is never sent (a request that goes live drops it)."""
    path = getattr(collector, "path", None)
    if path not in collector.config.stash.get(GOLDEN_MODULES, ()) or \
            collector.config.getoption("n3_record") in ("once", "new", "rewrite"):
        yield
        return
    from namel3ss_debug.launch.rerun import placeholder_keys  # noqa: PLC0415 - only for golden runs

    with placeholder_keys(os.environ):
        yield


# A plain implementation, not tryfirst: pytest's skip and xfail(run=False) marks (tryfirst) are evaluated first, so
# a skipped test with no golden file is skipped; registered after pytest's runner, it still runs before fixtures.
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked n3replay runs in its own run from its setup on (unless `--n3-trace` started one); one to
    replay with no golden file fails here."""
    if item.get_closest_marker("n3replay") is None:
        return
    run = item.stash.get(_RUN, None)
    if run is None or run.run.ended:
        item.stash[_OWNED] = True
        item.stash[_RUN] = _start(item, item.config._tmp_path_factory.mktemp(  # type: ignore[attr-defined]
            f"n3replay-{_slug(item.name)}", numbered=True))
    golden = item.stash.get(GOLDEN, None)
    if golden is not None and golden.action == "missing":  # not begun (`_start`): no file to replay
        from namel3ss_debug.testing.golden import GoldenMissing  # noqa: PLC0415 - loaded with the golden run

        pytest.fail(f"n3replay: {GoldenMissing(golden.plan)}", pytrace=False)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    try:
        yield
    except BaseException:
        _end_owned(item, failed=True)
        raise
    _end_owned(item, failed=False)


def _end_owned(item: pytest.Item, failed: bool) -> None:
    """End the run the n3replay marker started (`pytest_runtest_setup`); `failed`: a fixture's teardown failed."""
    run = item.stash.get(_RUN, None)
    if run is None or not item.stash.get(_OWNED, False):
        return
    item.stash[_OWNED] = False
    if failed:
        item.stash[_OUTCOME] = "failed"
    _end(item, run)


def pytest_unconfigure(config: pytest.Config) -> None:
    """A golden test that its rerun stopped may leave threads of the app's waiting for code the stop skipped
    (AnyIO's worker threads, under asyncio): they get a few seconds, then the session ends without them, named,
    instead of waiting for them for ever at the interpreter's exit. Only as the process's last session ends:
    a session run inside another (pytester's) leaves the process, and its threads, to the outer one."""
    _SESSIONS[0] -= 1
    lifecycle = sys.modules.get("namel3ss_debug.tracer.lifecycle")
    if lifecycle is not None and _SESSIONS[0] == 0:
        lifecycle.leave_stopped_threads()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None],
                               ) -> Generator[None, Result[pytest.TestReport], None]:
    """Note the test's outcome, and name the trace file under a failed test's report."""
    outcome = yield
    run = item.stash.get(_RUN, None)
    if run is None:
        return
    report = outcome.get_result()
    golden_verdict(item, call, report)
    _note_outcome(item, report)
    if report.when == "teardown" and NOTE in item.stash:
        report.n3_golden = item.stash[NOTE]  # type: ignore[attr-defined]  # xdist sends a report's attributes
        del item.stash[NOTE]
    golden = item.stash.get(GOLDEN, None)
    if report.failed and (golden is None or golden.action != "missing"):  # a test that ran: its run to look at
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
        resolved, problem = None, str(exc)
    if resolved is None:  # failed outside the except: no "during handling of the above exception" chain
        pytest.fail(f"n3trace: configuration error: {problem}", pytrace=False)
    item.stash[_OUTCOME] = "passed"  # a rerun of the item starts afresh
    golden = golden_session(item)
    if golden is None:
        return start_test_run(item.nodeid, resolved)
    if golden.plan.action == "missing":  # pytest_runtest_setup fails the test, unless a skip mark skipped it first
        golden.action = "missing"
        return start_test_run(item.nodeid, resolved)
    try:
        return start_test_run(item.nodeid, resolved, start_attrs=golden.begin())
    except BaseException as exc:
        golden.close()
        if type(exc).__name__ not in ("ConfigError", "Namel3ssDebugError", "UsageError", "TraceError"):
            raise
        problem = golden.shown(str(exc))
    pytest.fail(f"n3replay: {problem}", pytrace=False)


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
    outcome = item.stash.get(_OUTCOME, "passed")
    problem = run.end(outcome)
    if problem is not None:
        item.warn(pytest.PytestWarning(f"n3trace: {problem}"))
    golden = item.stash.get(GOLDEN, None)
    if golden is None:
        return
    try:
        golden.finish(run.paths, outcome)
    except Exception as exc:
        if type(exc).__name__ != "GoldenUnwritten":
            raise
        problem = str(exc)
    else:
        note_golden(item, golden)
        return
    pytest.fail(f"n3replay: {problem}", pytrace=False)


def _slug(name: str) -> str:
    """A test name as a short directory name, as pytest's `tmp_path` makes it."""
    return re.sub(r"\W", "_", name)[:30]
