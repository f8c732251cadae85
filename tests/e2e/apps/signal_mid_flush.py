"""SIGTERM delivered while the writer is inside `os.write` during a flush.

`os.write` is wrapped to send the signal just before the real write: Python then runs the handler as
soon as a C call returns, that is while the flush is still in progress, which is what happens when a
real SIGTERM arrives during the write system call.
"""

import os
import signal

from namel3ss_debug import trace_tool_call

real_write = os.write
writes = [0]


def write(fd, data):
    writes[0] += 1
    if writes[0] == 3:
        os.kill(os.getpid(), signal.SIGTERM)
    return real_write(fd, data)


os.write = write


@trace_tool_call
def step(i):
    return i


for i in range(1000):
    step(i)
