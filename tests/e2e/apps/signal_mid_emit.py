"""SIGTERM handled while an event is being written: after its line is buffered, before its seq is counted.

The writer's `append` is wrapped to call the installed SIGTERM handler at that point, which is where a
real signal lands when it arrives during `append` (Python runs handlers between bytecodes).
"""

import signal

from namel3ss_debug import trace_tool_call
from namel3ss_debug.tracer import writer

original_append = writer.RotatingJsonlWriter.append
appended = [0]


def append(self, line):
    original_append(self, line)
    appended[0] += 1
    if appended[0] == 10:
        signal.getsignal(signal.SIGTERM)(signal.SIGTERM, None)


writer.RotatingJsonlWriter.append = append


@trace_tool_call
def step(i):
    return i


for i in range(100):
    step(i)
