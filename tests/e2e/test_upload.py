"""Finished runs sent to a bucket (`trace_upload_url`): a real app in its own process, moto's S3 server on 127.0.0.1
(stopped and started again for the faults), the objects compared with the run's own bytes; then the sending itself
(`uploading.send_here`, what the sending's process runs) in this process, for the layouts and stores no app makes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from namel3ss_debug.launch.uploading import Sending, send_here
from namel3ss_debug.model.bucket_url import parse_bucket_url
from namel3ss_debug.tracer import finished
from support.s3server import S3Server
from support.stubs import TcpListener

APP = str(Path(__file__).parent / "apps" / "sent_app.py")
URL = "s3://runs/ci"
WAITING = ".upload"


@pytest.fixture(scope="module")
def server():
    with S3Server() as started:
        started.make_bucket("runs")
        yield started


def environ(server: S3Server | None, **extra: str) -> dict[str, str]:
    """This interpreter's environment without our settings or AWS's, pointed at `server`, sending to URL."""
    values = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "AWS_"))}
    values.update(server.environ() if server is not None else {})
    values.update(NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces",
                  NAMEL3SS_DEBUG_TRACE_UPLOAD_URL=URL, **extra)
    return values


def run_app(cwd: Path, env: dict[str, str], ending: str = "return", calls: int = 20) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, APP, str(calls), ending], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def objects(server: S3Server, prefix: str = "ci/") -> dict[str, bytes]:
    """Every object under `prefix` in the bucket, by key, with its bytes, read with boto3 (moto's own client)."""
    import boto3  # noqa: PLC0415 - moto's dependency: there whenever the server is

    client = boto3.client("s3", endpoint_url=server.url, aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    listed = client.list_objects_v2(Bucket="runs", Prefix=prefix).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket="runs", Key=item["Key"])["Body"].read() for item in listed}


def local(cwd: Path) -> list[str]:
    return sorted(os.listdir(cwd / "traces"))


@pytest.mark.parametrize(("ending", "code"), [("return", 0), ("exit:3", 3), ("raise", 1)])
def test_a_runs_segments_land_in_the_bucket_byte_for_byte_however_the_app_ends(tmp_path, server, ending, code):
    env = environ(server, NAMEL3SS_DEBUG_TRACE_UPLOAD_KEEP_LOCAL="1", NAMEL3SS_DEBUG_MAX_TRACE_FILE_SIZE_MB="0.004")
    prefix = f"ci/{tmp_path.name}/"
    env["NAMEL3SS_DEBUG_TRACE_UPLOAD_URL"] = f"s3://runs/{prefix}"
    done = run_app(tmp_path, env, ending)
    kept = {f"{prefix}{name}": (tmp_path / "traces" / name).read_bytes() for name in local(tmp_path)}
    assert done.returncode == code
    assert "not sent" not in done.stderr
    assert len(kept) >= 3 and not any(name.endswith(WAITING) for name in kept)  # several segments, none waiting
    assert objects(server, prefix) == kept


def test_once_confirmed_the_local_files_go(tmp_path, server):
    env = environ(server)
    env["NAMEL3SS_DEBUG_TRACE_UPLOAD_URL"] = f"s3://runs/ci/{tmp_path.name}"
    done = run_app(tmp_path, env)
    sent = objects(server, f"ci/{tmp_path.name}/")
    assert (done.returncode, done.stderr, local(tmp_path)) == (0, "", [])
    (key,) = sent
    assert sent[key].startswith(b'{"v":1') and b'"event_type":"run_end"' in sent[key]


def test_trace_sends_the_run_once_it_has_read_it_and_names_it_in_the_bucket(tmp_path, server):
    env = environ(server)
    env.pop("NAMEL3SS_DEBUG_ENABLED")
    env["NAMEL3SS_DEBUG_TRACE_UPLOAD_URL"] = f"s3://runs/ci/{tmp_path.name}"
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", APP, "5", "exit:4"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    (key,) = objects(server, f"ci/{tmp_path.name}/")
    assert (done.returncode, local(tmp_path)) == (4, [])
    assert f"trace: s3://runs/{key}" in done.stderr
    assert f"sent  this run to s3://runs/ci/{tmp_path.name}, each object's size and MD5 checked" in done.stderr
    read = subprocess.run([sys.executable, "-m", "namel3ss_debug", "analyze", f"s3://runs/{key}", "--format", "json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert read.returncode == 0, read.stderr  # the summary's `next` lines name what reads it back
    (run,) = json.loads(read.stdout)["overview"]["runs"]
    assert (run["run_id"], run["exit_code"]) == (key.rpartition("/")[2].split(".")[0], 4)


def test_without_credentials_the_run_stays_and_one_line_says_where_to_give_them(tmp_path, server):
    env = environ(server, AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_CONFIG_FILE=str(tmp_path / "none"),
                  AWS_EC2_METADATA_DISABLED="true")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(name)
    done = run_app(tmp_path, env, "exit:5")
    (line,) = done.stderr.splitlines()
    assert done.returncode == 5
    assert "not sent to s3://runs/ci: no credentials for the store" in line and "AWS_ACCESS_KEY_ID" in line
    assert [name for name in local(tmp_path) if name.endswith(WAITING)] != []


def test_without_the_s3_extra_the_run_stays_and_one_line_names_the_extra(tmp_path, server):
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "s3fs.py").write_text("raise ImportError('not installed here')\n")
    env = environ(server, PYTHONPATH=os.pathsep.join([str(shim), os.environ.get("PYTHONPATH", "")]))
    done = run_app(tmp_path, env)
    (line,) = done.stderr.splitlines()
    assert done.returncode == 0
    assert "s3:// needs the s3fs package, which is not installed" in line
    assert "pip install 'namel3ss-debug[s3]'" in line
    assert len(local(tmp_path)) == 2  # the segment and its marker


@pytest.mark.slow
@pytest.mark.parametrize("code", [0, 7])
def test_a_stopped_store_costs_nothing_and_the_next_run_sends_what_was_left(tmp_path, code):
    with S3Server() as store:
        store.make_bucket("runs")
        env = environ(store)
        store.stop()
        down = run_app(tmp_path, env, f"exit:{code}")
        left = local(tmp_path)
        store.start()
        store.make_bucket("runs")
        up = run_app(tmp_path, env)
        sent = objects(store)
    (line,) = down.stderr.splitlines()
    assert (down.returncode, up.returncode, up.stderr) == (code, 0, "")
    assert "not sent to s3://runs/ci: the store does not answer" in line
    assert "kept in traces, and the next traced run's end sends it" in line
    assert len(left) == 2 and left[1].endswith(WAITING)
    assert left[0] in {key.removeprefix("ci/") for key in sent}
    assert (len(sent), local(tmp_path)) == (2, [])


@pytest.mark.slow
def test_two_processes_ending_at_once_send_every_run_once_and_leave_nothing(tmp_path):
    with S3Server() as store:
        env = environ(store)
        store.stop()
        for _ in range(3):  # runs left waiting for the two to find
            assert run_app(tmp_path, env).returncode == 0
        left = [name for name in local(tmp_path) if not name.endswith(WAITING)]
        store.start()
        store.make_bucket("runs")
        both = [subprocess.Popen([sys.executable, APP, "200", "return"], cwd=tmp_path, env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        said = [process.communicate(timeout=120) for process in both]
        sent = objects(store)
    assert [process.returncode for process in both] == [0, 0]
    assert [err for _, err in said] == ["", ""]
    assert len(sent) == 5 and {f"ci/{name}" for name in left} <= set(sent)
    assert local(tmp_path) == []


def test_a_run_ended_by_sigterm_is_marked_and_the_next_end_sends_it(tmp_path, server):
    env = environ(server)
    env["NAMEL3SS_DEBUG_TRACE_UPLOAD_URL"] = f"s3://runs/ci/{tmp_path.name}"
    stopped = run_app(tmp_path, env, "term")
    left = local(tmp_path)
    after = run_app(tmp_path, env)
    sent = objects(server, f"ci/{tmp_path.name}/")
    assert (stopped.returncode, stopped.stderr, after.returncode, after.stderr) == (-signal.SIGTERM, "", 0, "")
    assert len(left) == 2 and left[1].endswith(WAITING)  # marked, not sent: a process asked to stop is not held
    assert f"ci/{tmp_path.name}/{left[0]}" in sent and len(sent) == 2 and local(tmp_path) == []


# -- the sending itself, in this process ------------------------------------------------------------------------
OLD = "20261129-110000-aaaaaa"
NEW = "20261129-120000-bbbbbb"


def finished_run(directory: Path, run_id: str) -> Path:
    segment = directory / f"{run_id}.0000.jsonl"
    segment.write_bytes(b'{"run_id": "%s"}\n' % run_id.encode())
    assert finished.mark(directory, run_id, [segment])
    return segment


def pointed_at(monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]) -> None:
    for name, value in environ.items():  # botocore reads its endpoint and keys from os.environ itself
        monkeypatch.setenv(name, value)


def test_a_link_at_a_segments_name_keeps_that_run_back_and_the_others_go(tmp_path, server, monkeypatch):
    pointed_at(monkeypatch, server.environ())
    linked = finished_run(tmp_path, OLD)
    linked.unlink()
    linked.symlink_to(tmp_path / "elsewhere.txt")
    (tmp_path / "elsewhere.txt").write_text("not a trace")
    finished_run(tmp_path, NEW)
    outcome = send_here(Sending(tmp_path, parse_bucket_url(f"s3://runs/{tmp_path.name}"), False, 30.0))
    assert outcome.sent == [NEW]
    assert outcome.problem is not None and f"{linked} is a symbolic link" in outcome.problem
    assert finished.waiting(tmp_path) == [OLD] and linked.is_symlink()


def test_the_run_just_ended_goes_first_and_keep_local_keeps_its_files(tmp_path, server, monkeypatch):
    pointed_at(monkeypatch, server.environ())
    segments = [finished_run(tmp_path, OLD), finished_run(tmp_path, NEW)]
    outcome = send_here(Sending(tmp_path, parse_bucket_url(f"s3://runs/{tmp_path.name}"), True, 30.0), first=NEW)
    assert (outcome.sent, outcome.problem) == ([NEW, OLD], None)
    assert outcome.objects[NEW] == [f"s3://runs/{tmp_path.name}/{NEW}.0000.jsonl"]
    assert all(segment.exists() for segment in segments) and finished.waiting(tmp_path) == []


def test_a_store_that_never_answers_costs_the_bound_and_loses_nothing(tmp_path, monkeypatch):
    silent = TcpListener(lambda connection: time.sleep(30))  # accepts, reads nothing, answers nothing
    try:
        pointed_at(monkeypatch, {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                                 "AWS_DEFAULT_REGION": "us-east-1",
                                 "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{silent.port}"})
        segment = finished_run(tmp_path, OLD)
        outcome = send_here(Sending(tmp_path, parse_bucket_url("s3://runs/ci"), False, 1.0))
    finally:
        silent.close()
    assert outcome.sent == []
    assert outcome.problem is not None and "did not end within 1 s (trace_upload_timeout_seconds)" in outcome.problem
    assert segment.exists() and finished.waiting(tmp_path) == [OLD]
