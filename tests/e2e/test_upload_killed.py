"""Runs killed before their end (SIGKILL) are handed on by a later run's end: a real traced app in its own process,
killed once it has written its calls, then another app's end (moto's S3 server, the session's PostgreSQL, both on
127.0.0.1); and a run still being written, by a process that is alive, is never sent nor removed by another's end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from support.s3server import S3Server
from test_upload import objects

KILLED = str(Path(__file__).parent / "apps" / "killed_app.py")
SENT = str(Path(__file__).parent / "apps" / "sent_app.py")


@pytest.fixture(scope="module")
def server():
    with S3Server() as started:
        started.make_bucket("runs")
        yield started


def environ(server: S3Server, prefix: str, **extra: str) -> dict[str, str]:
    """This interpreter's environment without our settings or AWS's, pointed at `server`, sending to `prefix`."""
    values = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "AWS_"))}
    values.update(server.environ(), NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces",
                  NAMEL3SS_DEBUG_TRACE_UPLOAD_URL=f"s3://runs/{prefix}", **extra)
    return values


def started(cwd: Path, env: dict[str, str], traced: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    """The waiting app (run by `traced`: `-m namel3ss_debug trace`), once it has written its calls (`ready`)."""
    app = subprocess.Popen([sys.executable, *traced, KILLED, "5"], cwd=cwd, env=env, stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert app.stdout is not None and app.stdout.readline() == "ready\n"
    return app


def killed(cwd: Path, env: dict[str, str], traced: tuple[str, ...] = ()) -> dict[str, bytes]:
    """The waiting app killed by SIGKILL: what it left, by name."""
    app = started(cwd, env, traced)
    app.send_signal(signal.SIGKILL)
    app.communicate(timeout=60)
    assert app.returncode == -signal.SIGKILL
    return {path.name: path.read_bytes() for path in (cwd / "traces").iterdir()}


def run_app(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, SENT, "3", "return"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def segments(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in files.items() if name.endswith(".jsonl")}


def run_ids(names: object) -> set[str]:
    return {str(name).rpartition("/")[2].split(".")[0] for name in names}  # type: ignore[attr-defined]


def test_a_run_of_trace_killed_is_sent_by_the_next_traces_end(tmp_path, server):
    prefix = f"ci/{tmp_path.name}/"
    env = {k: v for k, v in environ(server, prefix).items() if k != "NAMEL3SS_DEBUG_ENABLED"}
    trace = ("-m", "namel3ss_debug", "trace")
    left = killed(tmp_path, env, trace)
    (run_id,) = run_ids(left)
    assert f"{run_id}.upload" in left

    done = subprocess.run([sys.executable, *trace, SENT, "3", "return"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    sent = objects(server, prefix)
    assert done.returncode == 0, done.stderr
    assert {key.rpartition("/")[2]: data for key, data in sent.items() if run_id in key} == segments(left)
    assert len(run_ids(sent)) == 2 and os.listdir(tmp_path / "traces") == []


@pytest.mark.parametrize("keep_local", [False, True])
def test_a_killed_run_is_sent_by_the_next_runs_end_and_listed_unfinished(tmp_path, server, keep_local):
    prefix = f"ci/{tmp_path.name}/"
    env = environ(server, prefix, NAMEL3SS_DEBUG_TRACE_UPLOAD_KEEP_LOCAL="1" if keep_local else "0")
    left = killed(tmp_path, env)
    (run_id,) = run_ids(left)
    assert sorted(name.rpartition(".")[2] for name in left) == ["jsonl", "upload"]  # a segment, a running marker
    assert objects(server, prefix) == {}

    done = run_app(tmp_path, env)
    sent = objects(server, prefix)
    here = sorted(os.listdir(tmp_path / "traces"))
    assert (done.returncode, done.stderr) == (0, "")
    assert {key.rpartition("/")[2]: data for key, data in sent.items() if run_id in key} == segments(left)
    assert not any(name.endswith(".upload") for name in here)  # the markers go either way
    assert set(segments(left)) <= set(here) if keep_local else here == []
    listed = subprocess.run([sys.executable, "-m", "namel3ss_debug", "runs", f"s3://runs/{prefix}", "--format",
                             "json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    status = {run["run_id"]: run["status"] for run in json.loads(listed.stdout)["runs"]}
    assert status[run_id] == "unfinished" and len(status) == 2


def test_a_run_whose_process_is_alive_is_neither_sent_nor_removed_by_another_end(tmp_path, server):
    prefix = f"ci/{tmp_path.name}/"
    env = environ(server, prefix)
    live = started(tmp_path, env)
    try:
        (run_id,) = run_ids(os.listdir(tmp_path / "traces"))
        done = run_app(tmp_path, env)
        sent = run_ids(objects(server, prefix))
        here = sorted(os.listdir(tmp_path / "traces"))
    finally:
        out, err = live.communicate("", timeout=120)  # its input closed: it ends as any app does, and sends itself
    assert done.returncode == 0 and run_id not in sent and len(sent) == 1
    assert here == [f"{run_id}.0000.jsonl", f"{run_id}.upload"]
    assert (live.returncode, err) == (0, "")
    assert run_id in run_ids(objects(server, prefix)) and os.listdir(tmp_path / "traces") == []


def test_a_killed_run_whose_settings_did_not_hand_it_on_stays_local(tmp_path, server):
    prefix = f"ci/{tmp_path.name}/"
    env = environ(server, prefix)
    quiet = {k: v for k, v in env.items() if k != "NAMEL3SS_DEBUG_TRACE_UPLOAD_URL"}
    left = killed(tmp_path, quiet)
    assert [name for name in left if name.endswith(".upload")] == []  # nothing to hand on: no marker

    done = run_app(tmp_path, env)
    assert done.returncode == 0
    assert run_ids(left).isdisjoint(run_ids(objects(server, prefix)))
    assert sorted(os.listdir(tmp_path / "traces")) == sorted(left)


def test_a_killed_run_is_indexed_unfinished_at_its_directory_with_run_index_url_alone(tmp_path, pg_server, pg_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "AWS_", "PG"))}
    env.update(pg_server.environ(), NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces",
               NAMEL3SS_DEBUG_RUN_INDEX_URL=pg_url)
    left = killed(tmp_path, env)
    (run_id,) = run_ids(left)

    done = run_app(tmp_path, env)
    import psycopg  # noqa: PLC0415 - there whenever the server is

    with psycopg.connect(pg_url, password=pg_server.password) as connection:
        rows = dict(connection.execute("SELECT run_id, status FROM namel3ss_debug.runs").fetchall())
    assert (done.returncode, done.stderr) == (0, "")
    assert rows[run_id] == "unfinished" and len(rows) == 2
    here = os.listdir(tmp_path / "traces")
    assert set(segments(left)) <= set(here) and not any(name.endswith(".upload") for name in here)  # nothing sent
