"""Four threads emit marks of about 2 KB while the disk is full for a while, then the app ends.

    python disk_full.py COUNT FULL_FROM FULL_FOR [past-the-limit]

Each thread emits COUNT marks. With FULL_FOR > 0 the disk is full from FULL_FROM seconds after the start for
FULL_FOR seconds, and with `past-the-limit` after that until a write of more than the 16 MB the tracer keeps
waiting was refused (so that it drops some, on any machine): `os.write`, the tracer's one way to the disk,
fails with ENOSPC meanwhile, as the kernel's does on a full file system. With FULL_FOR 0 the test fills a real
file system itself. The app prints `ready` once every thread has emitted, and at its end `emitted N` and `full for S`:
the seconds the disk was still to stay full when its main module ended (the run ends after that).
"""

import errno
import os
import sys
import threading
import time

from namel3ss_debug import mark

count, full_from, full_for = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
past_the_limit = sys.argv[4:] == ["past-the-limit"]
PAYLOAD = "x" * 2000
KEPT_AT_MOST = 16 * 1024 * 1024
started = time.monotonic()
refused_past_the_limit = [not past_the_limit]
real_write = os.write


def write(fd: int, data: bytes) -> int:
    now = time.monotonic() - started
    if full_for and full_from <= now and (now < full_from + full_for or not refused_past_the_limit[0]):
        refused_past_the_limit[0] = refused_past_the_limit[0] or len(data) > KEPT_AT_MOST
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return real_write(fd, data)


os.write = write
emitted = [0, 0, 0, 0]


def loop(slot: int) -> None:
    for i in range(count):
        mark(f"t{slot}", i=i, payload=PAYLOAD)
        emitted[slot] = i + 1


threads = [threading.Thread(target=loop, args=(slot,), name=f"t{slot}") for slot in range(4)]
for thread in threads:
    thread.start()
while min(emitted) < 10 and any(thread.is_alive() for thread in threads):
    time.sleep(0.005)
print("ready", flush=True)
for thread in threads:
    thread.join()
print(f"emitted {sum(emitted)}", flush=True)
print(f"full for {max(0.0, full_from + full_for - (time.monotonic() - started)) if full_for else 0.0:.2f}", flush=True)
