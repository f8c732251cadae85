"""Finished runs sent to Google's storage (`gs://`, gcp-storage-emulator) and Azure's (`az://`, Azurite), each on
127.0.0.1, as `test_upload.py` sends them to S3: a real app in its own process, its segments compared with the
objects byte for byte; confirmed, its local files go; with the store stopped the run is kept, the app's exit code
is its own, and the next run's end, the store started again, sends what was left."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.storeservers import PACKAGES, SERVERS, store_with_bucket
from test_upload import APP, WAITING, local

STORES = ("AWS_", "GOOGLE_", "AZURE_", "STORAGE_EMULATOR_HOST", "NAMEL3SS_DEBUG_")


@pytest.fixture(scope="module", params=sorted(SERVERS))
def store(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    """(scheme, server): the emulator started, its bucket `runs` made."""
    with store_with_bucket(request.param) as started:
        yield request.param, started


def environ(store: tuple[str, Any], prefix: str, **extra: str) -> dict[str, str]:
    """This interpreter's environment with no store's variables but the server's, sending to `runs/PREFIX`."""
    values = {name: value for name, value in os.environ.items() if not name.startswith(STORES)}
    values.update(store[1].environ())
    values.update(NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces",
                  NAMEL3SS_DEBUG_TRACE_UPLOAD_URL=f"{store[0]}://runs/{prefix}", **extra)
    return values


def run_app(cwd: Path, env: dict[str, str], ending: str = "return") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, APP, "20", ending], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=180)


def objects(server: Any, prefix: str) -> dict[str, bytes]:
    """Every object under `runs/PREFIX/`, by its name, with its bytes, read with the store's own package."""
    fs = server.filesystem()
    return {name.rpartition("/")[2]: fs.cat_file(name) for name in fs.find(f"runs/{prefix}/")}


def test_a_runs_segments_land_in_the_store_byte_for_byte(tmp_path, store) -> None:
    env = environ(store, tmp_path.name, NAMEL3SS_DEBUG_TRACE_UPLOAD_KEEP_LOCAL="1",
                  NAMEL3SS_DEBUG_MAX_TRACE_FILE_SIZE_MB="0.004")
    done = run_app(tmp_path, env, "exit:3")
    kept = {name: (tmp_path / "traces" / name).read_bytes() for name in local(tmp_path)}
    assert (done.returncode, done.stderr) == (3, "")
    assert len(kept) >= 3 and not any(name.endswith(WAITING) for name in kept)
    assert objects(store[1], tmp_path.name) == kept


def test_without_the_store_s_extra_the_run_stays_and_one_line_names_it(tmp_path, store) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / f"{PACKAGES[store[0]]}.py").write_text("raise ImportError('not installed here')\n")
    env = environ(store, "none", PYTHONPATH=os.pathsep.join([str(shim), os.environ.get("PYTHONPATH", "")]))
    done = run_app(tmp_path, env)
    (line,) = done.stderr.splitlines()
    extra = {"gs": "gcs", "az": "azure"}[store[0]]
    assert done.returncode == 0
    assert f"{store[0]}:// needs the {PACKAGES[store[0]]} package, which is not installed" in line
    assert f"pip install 'namel3ss-debug[{extra}]'" in line
    assert len(local(tmp_path)) == 2  # the segment and its marker


def test_once_confirmed_the_local_files_go(tmp_path, store) -> None:
    done = run_app(tmp_path, environ(store, tmp_path.name))
    sent = objects(store[1], tmp_path.name)
    assert (done.returncode, done.stderr, local(tmp_path)) == (0, "", [])
    (name,) = sent
    assert sent[name].startswith(b'{"v":1') and b'"event_type":"run_end"' in sent[name]


@pytest.mark.slow
@pytest.mark.parametrize("code", [0, 7])
def test_a_stopped_store_costs_nothing_and_the_next_run_sends_what_was_left(tmp_path, store, code) -> None:
    """Its own server, stopped for the first run (gcsfs tries six times: the bound of 5 s ends its wait) and started
    again, on the same port, for the second."""
    scheme = store[0]
    with SERVERS[scheme]() as server:
        env = environ((scheme, server), "left", NAMEL3SS_DEBUG_TRACE_UPLOAD_TIMEOUT_SECONDS="5")
        server.stop()
        down = run_app(tmp_path, env, f"exit:{code}")
        left = local(tmp_path)
        server.start()
        server.make_bucket("runs")
        up = run_app(tmp_path, env)
        sent = objects(server, "left")
    (line,) = down.stderr.splitlines()
    assert (down.returncode, up.returncode, up.stderr) == (code, 0, "")
    assert f"not sent to {scheme}://runs/left: " in line
    assert "kept in traces, and the next traced run's end sends it" in line
    assert len(left) == 2 and left[1].endswith(WAITING)
    assert left[0] in sent
    assert (len(sent), local(tmp_path)) == (2, [])
