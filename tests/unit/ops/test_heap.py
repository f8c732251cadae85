"""Freed memory handed back between two big steps: on glibc by malloc_trim, elsewhere nothing."""

from __future__ import annotations

import gzip
import math
import subprocess
import sys
from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.ops import heap
from namel3ss_debug.store.sources import RunSource


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_pages_go_back_to_the_system_on_linux():
    def resident() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1])

    blocks = [bytearray(4096) for _ in range(20_000)]  # 80 MB of small blocks from the heap, not mmap'd alone
    del blocks[::2]
    before = resident()
    heap.give_back()
    assert heap._malloc_trim() is not None and resident() < before


def test_without_malloc_trim_nothing_is_done(monkeypatch):
    monkeypatch.setattr(heap.sys, "platform", "darwin")
    heap._malloc_trim.cache_clear()
    try:
        heap.give_back()
        assert heap._malloc_trim() is None
    finally:
        heap._malloc_trim.cache_clear()


def a_run(path: Path, tool_ms: float) -> Path:
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "helper")
    trace.span("tool", "search", tool_ms, agent)
    trace.end(agent, 40)
    trace.run_end()
    return trace.write(path)


def test_a_run_size_is_its_files_and_unknown_for_a_stream_or_gz(tmp_path):
    first, second = tmp_path / "run.0000.jsonl", tmp_path / "run.0001.jsonl"
    first.write_bytes(b"x" * 10)
    second.write_bytes(b"x" * 5)
    assert heap.size_on_disk(RunSource("run", (str(first), str(second)))) == 15
    assert heap.size_on_disk(RunSource("stdin", ("-",))) == math.inf
    packed = tmp_path / "run.jsonl.gz"
    packed.write_bytes(gzip.compress(b"x" * 100))
    assert heap.size_on_disk(RunSource("packed", (str(packed),))) == math.inf


def test_a_diff_of_two_small_runs_does_not_load_ctypes(tmp_path):
    """Handing back what reading NEW freed costs ctypes' import: only a big NEW is worth it."""
    base, new = a_run(tmp_path / "base.jsonl", 5), a_run(tmp_path / "new.jsonl", 9)
    code = ("import runpy, sys\n"
            f"sys.argv = ['namel3ss-debug', 'diff', {str(base)!r}, {str(new)!r}, '--no-cache']\n"
            "try:\n    runpy.run_module('namel3ss_debug', run_name='__main__')\n"
            "except SystemExit as end:\n    sys.stderr.write(f'exit {end.code}\\n')\n"
            "sys.stderr.write(f\"ctypes {'ctypes' in sys.modules}\\n\")\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "exit 0" in done.stderr and "ctypes False" in done.stderr, done.stderr
