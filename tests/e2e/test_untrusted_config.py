"""A `.namel3ss/debug.json` a stranger could have written is not believed (issue 61): one planted above the
project, owned by another user, or writable by others, asking for `{"exporters": ["jsonl", "otlp"], "redact":
false}`, must not send an `sk-proj-...` key to an OTLP receiver (a stub on 127.0.0.1); it is ignored with one
line naming it and saying how to trust it. What the user chose (`--config`, `NAMEL3SS_DEBUG_TRUST`) still
counts, and says where a setting that sends data away came from."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import orjson
import pytest

pytest.importorskip("opentelemetry.proto.collector.trace.v1.trace_service_pb2")
pytest.importorskip("opentelemetry.exporter.otlp.proto.http.trace_exporter")

from support.otlpreceivers import HttpReceiver

SECRET = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1w"
PLANTED = '{"enabled": true, "exporters": ["jsonl", "otlp"], "redact": false, "trace_output_dir": "%s"}'
APP = f"""
import namel3ss_debug
with namel3ss_debug.span("tool", "lookup", inputs={{"note": "key {SECRET}"}}):
    pass
print("done")
"""
IS_ROOT = os.geteuid() == 0


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver()
    yield server
    server.close()


def plant(directory: Path, traces: Path, mode: int = 0o644) -> Path:
    path = directory / ".namel3ss" / "debug.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PLANTED % traces, encoding="utf-8")
    path.chmod(mode)
    return path


def run_app(cwd: Path, receiver: HttpReceiver, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    (cwd / "app.py").write_text(APP, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))}
    env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_EXPORTER_OTLP_TIMEOUT": "2000", **extra})
    done = subprocess.run([sys.executable, *args, "app.py"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "done" in done.stdout, done.stderr
    return done


def sent(receiver: HttpReceiver) -> bytes:
    return orjson.dumps(receiver.spans, default=str)


def project(tmp_path: Path) -> Path:
    """A checkout below the directory the stranger writes to."""
    directory = tmp_path / "shared" / "proj"
    (directory / ".git").mkdir(parents=True)
    return directory


def assert_ignored(done: subprocess.CompletedProcess[str], path: Path, reason: str, receiver: HttpReceiver) -> None:
    lines = [line for line in done.stderr.splitlines() if "is ignored" in line]
    assert len(lines) == 1 and f"{path} is ignored: " in lines[0] and reason in lines[0], done.stderr
    assert "NAMEL3SS_DEBUG_TRUST=" in lines[0] and "--config /" in lines[0] and lines[0].endswith("debug.json)")
    assert receiver.requests == 0 and SECRET.encode() not in sent(receiver)


def test_a_file_above_the_project_root_is_ignored(tmp_path: Path, receiver: HttpReceiver) -> None:
    cwd = project(tmp_path)
    path = plant(tmp_path / "shared", tmp_path / "planted-traces")
    done = run_app(cwd, receiver, NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR=str(tmp_path / "t"))
    assert_ignored(done, path, "above the project root", receiver)
    (trace,) = (tmp_path / "t").glob("*.jsonl")
    assert SECRET.encode() not in trace.read_bytes()  # redaction stayed on


def test_without_a_checkout_a_parents_file_is_ignored(tmp_path: Path, receiver: HttpReceiver) -> None:
    cwd = tmp_path / "shared" / "somewhere"
    cwd.mkdir(parents=True)
    path = plant(tmp_path / "shared", tmp_path / "planted-traces")
    done = run_app(cwd, receiver, NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR=str(tmp_path / "t"))
    assert_ignored(done, path, "no .git makes them one project", receiver)


def test_a_file_writable_by_others_is_ignored(tmp_path: Path, receiver: HttpReceiver) -> None:
    cwd = project(tmp_path)
    path = plant(cwd, tmp_path / "planted-traces", mode=0o666)
    done = run_app(cwd, receiver, NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR=str(tmp_path / "t"))
    assert_ignored(done, path.relative_to(cwd), "writable by others (mode 666)", receiver)


@pytest.mark.skipif(not IS_ROOT, reason="giving a file to another user needs root")
def test_a_file_owned_by_another_user_is_ignored(tmp_path: Path, receiver: HttpReceiver) -> None:
    cwd = project(tmp_path)
    path = plant(cwd, tmp_path / "planted-traces")
    os.chown(path, 65534, 65534)
    os.chown(path.parent, 65534, 65534)
    done = run_app(cwd, receiver, NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR=str(tmp_path / "t"))
    assert_ignored(done, path.relative_to(cwd), "owned by uid 65534, not by you", receiver)


def test_a_trusted_file_counts_and_says_where_the_export_came_from(tmp_path: Path, receiver: HttpReceiver) -> None:
    cwd = project(tmp_path)
    path = plant(tmp_path / "shared", tmp_path / "traces")
    done = run_app(cwd, receiver, NAMEL3SS_DEBUG_TRUST=str(tmp_path / "shared"))
    assert "is ignored" not in done.stderr
    notes = [line for line in done.stderr.splitlines() if "note:" in line]
    assert f'exporters has "otlp" (from {path}): each span is also sent to {receiver.url}/v1/traces (from env ' \
           'OTEL_EXPORTER_OTLP_ENDPOINT)' in done.stderr, done.stderr
    assert f"redact is false (from {path})" in done.stderr and len(notes) == 2
    assert SECRET.encode() in sent(receiver)  # what the user trusted is done: the key goes out unredacted


def test_a_file_named_by_config_counts(tmp_path: Path, receiver: HttpReceiver) -> None:
    cwd = project(tmp_path)
    path = plant(tmp_path / "shared", tmp_path / "traces", mode=0o666)
    (cwd / "app.py").write_text(APP, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))}
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.url
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "--config", str(path), "app.py"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "is ignored" not in done.stderr and 'exporters has "otlp"' in done.stderr
    assert receiver.requests > 0
