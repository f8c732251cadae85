"""Emit N tool calls, say so on stdout, then wait to be killed (or raise, or end).

    python emitter.py N [sleep|raise|end]
"""

import sys
import time

from namel3ss_debug import trace_tool_call


@trace_tool_call
def step(i):
    return {"i": i}


count = int(sys.argv[1])
then = sys.argv[2] if len(sys.argv) > 2 else "sleep"
for i in range(count):
    step(i)
print(f"emitted {count}", flush=True)
if then == "raise":
    raise RuntimeError(f"gave up after {count} steps")
if then == "sleep":
    time.sleep(60)
