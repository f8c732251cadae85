"""Four threads trace in a loop while the app is stopped; each counts what it emitted.

    python four_threads.py COUNTERS MODE [ITERATIONS]

Threads `w0` and `w1` are non-daemon and run ITERATIONS loops (default: until stopped); `d0` and `d1` are
daemon threads that never stop. One loop is a span with a mark inside it: three events. After each loop a
thread stores how many it finished in COUNTERS, a file shared through mmap, so the counts survive the
process however it ends (SIGTERM's default action gives an app no chance to write anything).

MODE says how the app ends: `wait` prints `ready` and sleeps until a signal ends it (SIGTERM kills it,
SIGINT raises KeyboardInterrupt, which the app does not catch: Python then waits for `w0` and `w1`);
`return` lets the main module return at once while all four threads still emit, printing the daemon threads'
counts as it does. Then the process lives on for 0.3 s after the run's end (an atexit callback registered
before tracing started runs after the run ends), time for a daemon thread to go on untraced if it could.

With FOUR_THREADS_CONFIGURE set to a directory, the app starts its run itself: `configure(enabled=True)`.
With FOUR_THREADS_SLOW_DISK set to a number of seconds, every `os.write` (the tracer's one way to the disk)
takes that long, as on a slow or busy disk: a run's end then takes that long too, while the threads go on.
"""

import atexit
import mmap
import os
import struct
import sys
import threading
import time

atexit.register(time.sleep, 0.3)  # before tracing starts: runs after the run's end
if os.environ.get("FOUR_THREADS_SLOW_DISK"):
    slow_write, pause = os.write, float(os.environ["FOUR_THREADS_SLOW_DISK"])

    def write(fd: int, data: bytes) -> int:
        time.sleep(pause)
        return slow_write(fd, data)

    os.write = write

# after the atexit callback and the slow disk: they must be in place before the tracer is
from namel3ss_debug import configure, mark, span  # noqa: E402 - see above

NAMES = ("w0", "w1", "d0", "d1")
counters_path, mode = sys.argv[1], sys.argv[2]
iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 0
with open(counters_path, "wb") as handle:
    handle.write(bytes(8 * len(NAMES)))
with open(counters_path, "r+b") as handle:
    counters = mmap.mmap(handle.fileno(), 8 * len(NAMES))


def loop(slot: int, limit: int) -> None:
    name = NAMES[slot]
    i = 0
    while not limit or i < limit:
        with span(name, attrs={"i": i}):
            mark(name, i=i)
        i += 1
        struct.pack_into("q", counters, 8 * slot, i)


if os.environ.get("FOUR_THREADS_CONFIGURE"):
    configure(enabled=True, trace_output_dir=os.environ["FOUR_THREADS_CONFIGURE"])
threads = [threading.Thread(target=loop, args=(slot, iterations if slot < 2 else 0), name=name,
                            daemon=slot >= 2) for slot, name in enumerate(NAMES)]
for thread in threads:
    thread.start()
if mode == "return":
    print("returned", *(struct.unpack_from("q", counters, 8 * slot)[0] for slot in (2, 3)), flush=True)
if mode == "wait":
    while min(struct.unpack_from("q", counters, 8 * slot)[0] for slot in range(len(NAMES))) < 100:
        time.sleep(0.01)  # every thread has emitted: a signal now stops all four mid-loop
    print("ready", flush=True)
    while True:
        time.sleep(0.05)
