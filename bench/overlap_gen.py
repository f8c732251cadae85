"""A run whose root's children overlap: 4 threads under the root, each making spans of distinct names.

    >>> generate(Path("overlap.jsonl"), 6 * 1024 * 1024)                    # the threads at once
    >>> generate(Path("sequential.jsonl"), 6 * 1024 * 1024, overlap=False)  # the same spans, one after another

What issue 97 reported: an app whose worker threads each call tools under the run's root span (a thread pool
serving requests), every call named apart (`lookup_<thread>_<n>`), so the critical path of the root crosses the
threads and its operations are as many as its spans. `overlap=False` writes the same calls with the same names and
sizes one after another, the threads taking turns (A B C D A B ...): the run the critical path keeps one path for.
Lines come from `trace_gen.TraceWriter` (its envelope, clock and totals); same seed and size, same bytes.
"""

from __future__ import annotations

import heapq
import random
import time
from pathlib import Path

from trace_gen import RUN_ID, THREADS, TraceWriter, Totals, write_run_end, write_run_start

PAYLOAD = b"found" * 4  # a short answer: a span's two lines are about 0.5 KB


def generate(path: Path, size_bytes: int, overlap: bool = True, seed: int = 11) -> Totals:
    """Write a run of at least `size_bytes` to `path`; return its totals."""
    began = time.perf_counter()
    rng = random.Random(seed)
    with open(path, "wb") as out:
        w = TraceWriter(out, rng, None)  # type: ignore[arg-type]  # the pools are read by trace_gen's story only
        write_run_start(w, 0)
        if overlap:
            _threads_at_once(w, size_bytes)
        else:
            _threads_in_turn(w, size_bytes)
        write_run_end(w)
        w.flush()
    totals = w.totals
    totals.path, totals.events, totals.last_seq = str(path), w.seq, w.seq - 1
    totals.seconds = round(time.perf_counter() - began, 2)
    return totals


def _threads_at_once(w: TraceWriter, size_bytes: int) -> None:
    """Each thread starts its next call when its last one ends; the four are always running at once."""
    calls = [0] * len(THREADS)
    running: list[tuple[int, int, int, int]] = []  # (ends at, thread, span, started at), the soonest first
    for thread in range(len(THREADS)):
        heapq.heappush(running, _start(w, thread, calls))
    while running:
        ends_at, thread, span, started = heapq.heappop(running)
        w.now_us = max(w.now_us, ends_at)
        _end(w, thread, span, started, calls[thread] - 1)
        if w.totals.bytes + w.buffered < size_bytes:
            heapq.heappush(running, _start(w, thread, calls))


def _threads_in_turn(w: TraceWriter, size_bytes: int) -> None:
    """The same calls, one at a time, the threads taking turns."""
    calls = [0] * len(THREADS)
    thread = 0
    while w.totals.bytes + w.buffered < size_bytes:
        ends_at, _, span, started = _start(w, thread, calls)
        w.now_us = ends_at
        _end(w, thread, span, started, calls[thread] - 1)
        thread = (thread + 1) % len(THREADS)


def _name(thread: int, number: int) -> bytes:
    return b"lookup_%d_%d" % (thread, number)


def _start(w: TraceWriter, thread: int, calls: list[int]) -> tuple[int, int, int, int]:
    w.advance_ms(0.05)
    span, number = w.new_span(), calls[thread]
    calls[thread] += 1
    w.emit(b"tool_call_start", b"tool", _name(thread, number), span, 1, b"started",
           b',"inputs":{"id":%d},"thread":"%s"' % (number, THREADS[thread]))
    return w.now_us + int(w.rng.lognormvariate(4.0, 0.8) * 1000), thread, span, w.now_us


def _end(w: TraceWriter, thread: int, span: int, started: int, number: int) -> None:
    w.end(b"tool_call_end", b"tool", _name(thread, number), span, 1, started,
          b',"outputs":{"return":"%s"},"thread":"%s"' % (PAYLOAD, THREADS[thread]))


if __name__ == "__main__":
    import sys

    done = generate(Path(sys.argv[1]), int(float(sys.argv[2]) * 1024 ** 2), overlap=sys.argv[3:] != ["sequential"])
    print(f"{done.path}: {done.bytes} bytes, {done.events} events, run {RUN_ID}")
