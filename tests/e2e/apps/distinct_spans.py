"""Threads that trace spans of distinct names under the root span for ever, until the app is stopped.

    python distinct_spans.py THREADS

THREADS non-daemon threads (`s0`, `s1`, ...) each open span after span, every one with a name of its own
(`s0-0`, `s0-1`, ...) and a mark inside it; they never end by themselves, and nothing in the app tells them
to: after Ctrl-C, Python would wait for them for ever. With THREADS 0 the main thread runs the same loop
itself (the single-threaded app, which Ctrl-C stops where it is). Once every loop has run 100 times the app
prints `ready`, so that a signal then stops it mid-loop.
"""

import sys
import threading
import time

from namel3ss_debug import mark, span

threads = int(sys.argv[1])
done = [0] * max(threads, 1)


def loop(slot: int) -> None:
    i = 0
    while True:
        with span(f"s{slot}-{i}", attrs={"i": i}):
            mark("tick", i=i)
        i += 1
        done[slot] = i
        if slot == 0 and threads == 0 and i == 100:
            print("ready", flush=True)


if threads == 0:
    loop(0)
for slot in range(threads):
    threading.Thread(target=loop, args=(slot,), name=f"s{slot}").start()
while min(done) < 100:
    time.sleep(0.01)
print("ready", flush=True)
while True:
    time.sleep(0.05)
