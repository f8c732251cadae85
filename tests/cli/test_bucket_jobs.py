"""Many runs in a bucket read on every core (`--jobs`), as local runs are: the answer of two worker processes is
the one process's, byte for byte (`analyze --all`, `runs`); an error a worker meets is said as the one process says
it; a worker is handed no credential, and reads the store's from its own environment.

The bucket is moto's S3 server on 127.0.0.1 (started once for the module) holding 20 small runs under
`s3://runs/many/`: more than `workers.MIN_PARALLEL`, so `--jobs 2` starts two workers. Each test spies on
`workers.InOrder` to know whether workers read the runs (a test of `--jobs 2` that fell back to one process would
prove nothing).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from support.analysisruns import random_run
from support.s3server import S3Server
from support.tracefactory import RUN_ID, TraceBuilder

from namel3ss_debug.cli.main import cli
from namel3ss_debug.ops import diff_sides, workers
from namel3ss_debug.store import remote

fsspec = pytest.importorskip("fsspec")
pytest.importorskip("s3fs")
pytestmark = pytest.mark.usefixtures("isolated_workspace")

FOLDER = "s3://runs/many/"
RUNS = 20
SECRET = "bucketjobs-secret-4417"  # the test's key: moto's server takes any key


def run_name(number: int) -> str:
    return f"20261122-10{number // 60:02d}{number % 60:02d}-abcdef.0000.jsonl"


@pytest.fixture(scope="module")
def server() -> Iterator[S3Server]:
    with S3Server() as started:
        started.make_bucket("runs")
        store = _store(started)
        for number in range(RUNS):
            name = run_name(number)
            run = random_run(number).lines().replace(RUN_ID.encode(), name.split(".")[0].encode())
            store.pipe(f"runs/many/{name}", run)
            store.pipe(f"runs/secret/{name}", _with_a_secret(name) if number == 13 else run)
        yield started


def _with_a_secret(name: str) -> bytes:
    """A run holding a value under a sensitive key, and a span named by it (`analyze` shows names)."""
    trace = TraceBuilder(name.split(".")[0])
    trace.run_start()
    trace.span("tool", "login", 20.0, trace.root, inputs={"api_key": "corpKEY-7781-zeta"})
    trace.span("tool", "corpKEY-7781-zeta", 5.0, trace.root)
    trace.run_end()
    return trace.lines()


def _store(server: S3Server) -> Any:
    return fsspec.filesystem("s3", skip_instance_cache=True, use_listings_cache=False,
                             endpoint_url=server.url, key="testing", secret="testing")


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """The arguments each `workers.InOrder` was started with, in this process (a worker starts none)."""
    seen: list[tuple[Any, ...]] = []
    real = workers.InOrder.__init__

    def spy(self: Any, *args: Any, **kwargs: Any) -> None:
        seen.append(args)
        real(self, *args, **kwargs)

    monkeypatch.setattr(workers.InOrder, "__init__", spy)
    return seen


def invoke(server: S3Server, *args: str, env: dict[str, Any] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={**server.environ(), "AWS_SECRET_ACCESS_KEY": SECRET,
                                                      "NO_COLOR": "1", "COLUMNS": "300", **(env or {})},
                                catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_analyze_all_of_a_bucket_folder_on_two_jobs_is_the_one_process_answer(server, started) -> None:
    one = invoke(server, "analyze", "--all", FOLDER, "--format", "json", "--no-cache", "--jobs", "1")
    assert not started
    two = invoke(server, "analyze", "--all", FOLDER, "--format", "json", "--no-cache", "--jobs", "2")
    assert len(started) == 1  # read by workers
    assert two == one and one[0] == 0
    assert len(json.loads(one[1])["overview"]["runs"]) == RUNS


def test_runs_of_a_bucket_folder_on_two_jobs_lists_the_one_process_rows(server, started) -> None:
    one = invoke(server, "runs", FOLDER, "--format", "json", "--jobs", "1")
    assert not started
    two = invoke(server, "runs", FOLDER, "--format", "json", "--jobs", "2")
    assert len(started) == 1
    assert two == one and one[0] == 0
    assert len(json.loads(one[1])["runs"]) == RUNS


def test_a_worker_is_handed_no_credential(server, started) -> None:
    assert invoke(server, "analyze", "--all", FOLDER, "--format", "json", "--no-cache", "--jobs", "2")[0] == 0
    [handed] = started
    assert SECRET not in repr(handed)
    assert not [name for name in handed[4][1] if name.startswith("AWS_")]  # setup's environ: none of the store's


def _before_the_workers(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    """`change()` once the runs were listed (and pinned), as the workers start: what a worker then reads."""
    real = workers.InOrder.__init__

    def changed_first(self: Any, *args: Any, **kwargs: Any) -> None:
        change()
        real(self, *args, **kwargs)

    monkeypatch.setattr(workers.InOrder, "__init__", changed_first)


def analyze_changed(server: S3Server, monkeypatch: pytest.MonkeyPatch, name: str,
                    change: str) -> tuple[int, str, str]:
    """`analyze --all` of the folder on two jobs, the run `name` rewritten (`change` "rewrite") or removed ("remove")
    as the workers start; the run put back after."""
    store = _store(server)
    kept = store.cat(f"runs/many/{name}")
    changes = {"rewrite": lambda: store.pipe(f"runs/many/{name}", kept + b"\n"),
               "remove": lambda: store.rm(f"runs/many/{name}")}
    _before_the_workers(monkeypatch, changes[change])
    try:
        return invoke(server, "analyze", "--all", FOLDER, "--no-cache", "--jobs", "2")
    finally:
        _store(server).pipe(f"runs/many/{name}", kept)


def test_an_object_rewritten_before_a_worker_reads_it_is_one_error(server, monkeypatch) -> None:
    name = run_name(7)
    code, out, err = analyze_changed(server, monkeypatch, name, "rewrite")
    assert (code, out) == (3, "")
    assert err.strip().splitlines() == [
        f"namel3ss-debug: error: {FOLDER}{name}: the object changed while it was read (its version is not the one "
        "the read began with) (read it again once nothing writes it)"]


def test_an_object_gone_before_a_worker_reads_it_is_the_missing_key_s_line(server, monkeypatch) -> None:
    name = run_name(11)
    code, out, err = analyze_changed(server, monkeypatch, name, "remove")
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == [
        f"namel3ss-debug: error: no such object or folder: {FOLDER}{name} (check the bucket and key (`aws s3 ls` "
        "lists them))"]


def test_a_worker_reads_the_credentials_of_its_own_environment(server, monkeypatch, tmp_path) -> None:
    """The keys gone from the environment once the runs are listed: the workers, forked then, have none, and say
    so as the one process would; had the keys been handed to them, they would have read the runs."""
    for name in ("HOME", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
        monkeypatch.setenv(name, str(tmp_path / "none") if name != "HOME" else str(tmp_path))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    _before_the_workers(monkeypatch, lambda: [os.environ.pop(name) for name in ("AWS_ACCESS_KEY_ID",
                                                                               "AWS_SECRET_ACCESS_KEY")])
    code, out, err = invoke(server, "analyze", "--all", FOLDER, "--no-cache", "--jobs", "2")
    assert (code, out) == (3, "")
    [line] = err.strip().splitlines()
    assert line.startswith(f"namel3ss-debug: error: {FOLDER}") and line.endswith(
        ": no credentials for the store (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, as the "
        "AWS CLI reads)")


@pytest.mark.slow  # a spawned worker imports the package afresh: about 5 s
def test_a_worker_started_afresh_reads_the_versions_this_process_listed(server, monkeypatch) -> None:
    """A worker that is no fork of this process (`spawn`: a process with other threads, another system) is handed
    the versions the listing found: an object rewritten since is said to have changed, not read anew."""
    monkeypatch.setattr(workers, "start_method", lambda fresh=False: "spawn")
    name = run_name(3)
    code, out, err = analyze_changed(server, monkeypatch, name, "rewrite")
    assert (code, out) == (3, "")
    assert f"{FOLDER}{name}: the object changed while it was read" in err


def test_two_jobs_keep_the_answer_in_the_cache_with_no_run_read_twice(server, started, monkeypatch, tmp_path) -> None:
    """What redaction would hide is learned by the workers' reads and told back: the answer is kept without this
    process reading any run again, and the next `analyze` (one job) is the cache's answer, reading nothing."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    opened: list[str] = []
    real = remote.open_object
    monkeypatch.setattr(remote, "open_object", lambda url: opened.append(url) or real(url))  # this process's
    first = invoke(server, "analyze", "--all", FOLDER, "--format", "json", "--jobs", "2")
    assert first[0] == 0 and len(started) == 1 and opened == []
    second = invoke(server, "analyze", "--all", FOLDER, "--format", "json", "--jobs", "1")
    assert second == first and len(started) == 1 and opened == []


def test_what_a_worker_learns_keeps_a_bucket_answer_out_of_the_cache(server, started, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    code, out, _ = invoke(server, "analyze", "--all", "s3://runs/secret/", "--format", "json", "--jobs", "2")
    assert code == 0 and "corpKEY-7781-zeta" in out and len(started) == 1  # the report names it: not kept
    results = tmp_path / "cache" / "namel3ss-debug" / "results"
    assert not results.exists() or not any(results.iterdir())
    assert not any(b"corpKEY-7781-zeta" in path.read_bytes() for path in (tmp_path / "cache").rglob("*")
                   if path.is_file())


@pytest.fixture
def at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diff_sides, "AT_ONCE_BYTES", 0)  # the runs here are small


@pytest.mark.usefixtures("at_once")
def test_diff_of_two_bucket_runs_reads_new_in_a_worker_with_the_one_process_answer(server, started) -> None:
    base, new = FOLDER + run_name(1), FOLDER + run_name(2)
    one = invoke(server, "diff", base, new, "--format", "json", "--no-cache", "--jobs", "1")
    assert not started
    two = invoke(server, "diff", base, new, "--format", "json", "--no-cache", "--jobs", "2")
    assert len(started) == 1 and SECRET not in repr(started)
    assert two == one and one[1].strip()


@pytest.mark.usefixtures("at_once")
def test_diff_keeps_a_side_read_in_a_worker_with_no_second_read(server, started, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    opened: list[str] = []
    real = remote.open_object
    monkeypatch.setattr(remote, "open_object", lambda url: opened.append(url) or real(url))  # this process's
    base, new = FOLDER + run_name(4), FOLDER + run_name(5)
    first = invoke(server, "diff", base, new, "--format", "json", "--jobs", "2")
    assert len(started) == 1 and opened == [base]  # NEW read once, by the worker
    opened.clear()
    assert invoke(server, "diff", base, new, "--format", "json", "--jobs", "1") == first
    assert opened == []  # the cache's answer, kept with what NEW's read in the worker taught


def test_workers_of_a_threaded_process_read_its_environment_as_it_is_now_not_a_fork_servers(server) -> None:
    """A long-lived process with threads of its own (`view`, a test session, a library caller) has a fork server
    that kept the environment of the moment it started; workers reading a store are spawned instead, with the
    environment as it is now (here: the store's endpoint and keys, set after the fork server started)."""
    import multiprocessing.forkserver  # noqa: PLC0415 - only here
    import threading  # noqa: PLC0415 - as above

    multiprocessing.forkserver.ensure_running()  # started before the store's variables are set
    other = threading.Event()
    thread = threading.Thread(target=other.wait, daemon=True)
    thread.start()  # a second thread: no fork
    try:
        two = invoke(server, "analyze", "--all", FOLDER, "--format", "json", "--no-cache", "--jobs", "2")
    finally:
        other.set()
        thread.join()
    assert two[0] == 0, two[2]
    assert workers.start_method(fresh=True) != "forkserver" and len(json.loads(two[1])["overview"]["runs"]) == RUNS
