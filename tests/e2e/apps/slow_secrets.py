"""Emit N tool calls slowly, each handed a password, then end: a run that is being written for a while.

    python slow_secrets.py N SECONDS_BETWEEN_CALLS
"""

import sys
import time

from namel3ss_debug import trace_tool_call

PASSWORD = "Tr0ub4dor&3-horse-battery"


@trace_tool_call
def login(i, password):
    return {"i": i, "ok": True}


count, pause = int(sys.argv[1]), float(sys.argv[2])
print("started", flush=True)
for i in range(count):
    login(i, password=PASSWORD)
    time.sleep(pause)
