"""Issue 102's first Must show: a team's runs end to end. A real PostgreSQL (the session's) and moto's S3 server on
127.0.0.1; 8 processes at once, each tracing 250 runs of the README's demo app (examples/research_agent.py, offline
with its scripted model) into one trace directory, the bucket and the shared index: 2,000 runs in the index and
2,000 in the bucket, none lost, no lock error, nothing left behind; `runs` (from a machine with no traces) and
`view` list them; `diagnose`, `replay --rerun` and `verify` of a run read from the bucket answer as for the same run
on the local disk.

Each process traces its 250 runs one after the other (`apps/many_runs.py`: a run started by `configure()`, the app
run by `runpy`) and hands them on at its exit, in one sending process: the eight senders meet in the one directory
and take each run by its marker's lock (`tracer/finished.py`). 2,000 processes of the app, each with its own sender
at its end, cost about a second of CPU each on this 2-core machine (the sender's start-up, mostly importing s3fs
and the reading pass: docs/record.md says so with figures): the same 2,000 runs in some 20 minutes, not minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.pgserver import PgServer
from support.rerunhelpers import command
from support.s3server import S3Server

from namel3ss_debug.ops.browse import open_browser
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest
from namel3ss_debug.ops.runs.query import RunQuery

pytest.importorskip("s3fs")
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("isolated_workspace")]

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "research_agent.py"
MANY = Path(__file__).parent / "apps" / "many_runs.py"
PROCESSES, RUNS = 8, 250
FOLDER = "s3://runs/team/"


def bucket_keys(store: S3Server) -> list[str]:
    import boto3  # noqa: PLC0415 - moto's dependency: there whenever the server is

    client = boto3.client("s3", endpoint_url=store.url, aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    pages = client.get_paginator("list_objects_v2").paginate(Bucket="runs", Prefix="team/")
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def download(store: S3Server, key: str, to: Path) -> Path:
    import boto3  # noqa: PLC0415 - as above

    client = boto3.client("s3", endpoint_url=store.url, aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    to.mkdir(parents=True, exist_ok=True)
    path = to / key.rpartition("/")[2]
    path.write_bytes(client.get_object(Bucket="runs", Key=key)["Body"].read())
    return path


def index_rows(url: str, pg: PgServer) -> list[tuple[str, str]]:
    import psycopg  # noqa: PLC0415 - there whenever the server is

    with psycopg.connect(url, password=pg.password) as connection:
        return connection.execute("SELECT run_id, location FROM namel3ss_debug.runs").fetchall()


def judged(document: dict, folder: str, here: str) -> dict:
    """What a rerun's record judged, without what differs between two reruns (new run ids, times), the run's
    location named the same."""
    kept = {key: document[key] for key in ("verdict", "exit_code", "passes", "counts", "misses", "reproduced",
                                            "not_reproduced", "failed", "parted", "fork", "status", "call",
                                            "rerun_count", "candidates") if key in document}
    return json.loads(json.dumps(kept, sort_keys=True).replace(folder, here))


def test_eight_processes_of_250_runs_reach_the_bucket_and_the_index_whole(
        tmp_path: Path, pg_server: PgServer, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with S3Server() as store:
        store.make_bucket("runs")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "AWS_", "PG"))}
        team = {**pg_server.environ(), "NAMEL3SS_DEBUG_RUN_INDEX_URL": pg_url}
        env.update(store.environ(), **team, NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR=str(tmp_path / "traces"),
                   NAMEL3SS_DEBUG_TRACE_UPLOAD_URL=FOLDER, NAMEL3SS_DEBUG_TRACE_UPLOAD_TIMEOUT_SECONDS="3600")
        started = [subprocess.Popen([sys.executable, str(MANY), str(DEMO), str(RUNS)], cwd=tmp_path, env=env,
                                    text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                   for _ in range(PROCESSES)]
        said = [process.communicate(timeout=3600) for process in started]
        traced = {line.split()[1] for out, _ in said for line in out.splitlines() if line.startswith("run ")}
        keys = bucket_keys(store)
        rows = index_rows(pg_url, pg_server)
        assert [process.returncode for process in started] == [0] * PROCESSES
        assert [err for _, err in said] == [""] * PROCESSES  # no run left unsent, no lock error, nothing said
        assert len(traced) == PROCESSES * RUNS
        assert sorted(key.removeprefix("team/").split(".")[0] for key in keys) == sorted(traced)  # one object each
        assert sorted(run_id for run_id, _ in rows) == sorted(traced) and {where for _, where in rows} == {FOLDER}
        assert os.listdir(tmp_path / "traces") == []  # every run sent, its local files and marker gone

        laptop = tmp_path / "laptop"  # a machine with no traces lists the team's runs from the index
        laptop.mkdir()
        listed = command("runs", "--format", "json", "--limit", "5000", cwd=laptop, extra={**store.environ(), **team})
        assert listed.returncode == 0, listed.stderr
        assert sorted(run["run_id"] for run in json.loads(listed.stdout)["runs"]) == sorted(traced)
        for name, value in {**store.environ(), **team}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(laptop)
        browser = open_browser(ReportRequest(traces=()), Environment(environ=os.environ, cwd=laptop))
        try:
            assert len(browser.catalogue.select(RunQuery())) == PROCESSES * RUNS
        finally:
            browser.catalogue.index.close()

        key = sorted(keys)[len(keys) // 2]
        here = download(store, key, tmp_path / "disk")
        for args in (("diagnose", "TRACE", "--format", "json"),
                     ("replay", "TRACE", "--rerun", "--yes", "--format", "json"),
                     ("verify", "TRACE", "--yes", "--format", "json")):
            answers = []
            for trace in (f"s3://runs/{key}", str(here)):
                done = command(*[trace if arg == "TRACE" else arg for arg in args], cwd=here.parent,
                               extra=store.environ())  # the reruns' own runs go to its debug/traces
                assert "Traceback" not in done.stderr
                document = json.loads(done.stdout)
                shown = judged(document, FOLDER, f"{here.parent}/") if args[0] != "diagnose" else \
                    json.loads(done.stdout.replace(FOLDER, f"{here.parent}/"))
                answers.append((done.returncode, shown))
            assert answers[1] == answers[0], args[0]
            assert answers[0][0] == 0 and answers[0][1].get("reproduced", True) is True, answers[0]
