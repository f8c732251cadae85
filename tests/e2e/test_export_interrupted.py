"""A Perfetto export ended by SIGTERM leaves `.OUT.XXXXXXXX.tmp` (it runs no cleanup); the next export to OUT
removes it (issue 76), while an export still at work keeps its own. An export reading a FIFO no one writes
waits with its temporary open: the moment a real export of a long run is killed in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.tracefactory import one_llm_call

from namel3ss_debug.model.fs import ABANDONED_AFTER_S


def start_export(tmp_path: Path, trace: Path, out: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    return subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "export", str(trace), "--to", "perfetto",
                             str(out)], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def temporaries(directory: Path) -> list[Path]:
    return sorted(directory.glob(".out.json.*.tmp"))


def waiting_export(tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    """An export to `tmp_path/out.json` blocked on an empty FIFO, once its temporary exists."""
    fifo = tmp_path / name
    os.mkfifo(fifo)
    before = set(temporaries(tmp_path))
    export = start_export(tmp_path, fifo, tmp_path / "out.json")
    deadline = time.monotonic() + 30
    while not set(temporaries(tmp_path)) - before:
        assert export.poll() is None and time.monotonic() < deadline, export.communicate()
        time.sleep(0.05)
    (temporary,) = set(temporaries(tmp_path)) - before
    return export, temporary


def age(path: Path) -> None:
    past = time.time() - ABANDONED_AFTER_S - 1
    os.utime(path, (past, past))


def test_the_next_export_removes_a_killed_exports_temporary(tmp_path: Path) -> None:
    export, temporary = waiting_export(tmp_path, "never.jsonl")
    export.send_signal(signal.SIGTERM)
    assert export.wait(timeout=30) == -signal.SIGTERM
    assert temporaries(tmp_path) == [temporary]  # what SIGTERM leaves
    age(temporary)
    done = start_export(tmp_path, one_llm_call(tmp_path / "run.jsonl"), tmp_path / "out.json")
    _, stderr = done.communicate(timeout=60)
    assert done.returncode == 0, stderr
    assert temporaries(tmp_path) == [] and b'"traceEvents"' in (tmp_path / "out.json").read_bytes()


def test_an_export_at_work_keeps_its_temporary_and_finishes(tmp_path: Path) -> None:
    export, temporary = waiting_export(tmp_path, "slow.jsonl")
    try:
        age(temporary)  # old, but its writer holds it
        done = start_export(tmp_path, one_llm_call(tmp_path / "run.jsonl"), tmp_path / "out.json")
        _, stderr = done.communicate(timeout=60)
        assert done.returncode == 0, stderr
        assert temporaries(tmp_path) == [temporary]
        with open(tmp_path / "slow.jsonl", "wb") as writer:  # the run arrives: the first export finishes
            writer.write(one_llm_call(tmp_path / "late.jsonl").read_bytes())
        _, stderr = export.communicate(timeout=60)
        assert export.returncode == 0, stderr
        assert temporaries(tmp_path) == []
    finally:
        if export.poll() is None:
            export.kill()
            export.wait()
