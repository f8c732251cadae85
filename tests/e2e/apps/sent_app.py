"""A traced app that ends as it is told, for the upload's tests: `python sent_app.py CALLS ENDING`, where ENDING is
`return`, `exit:N` (sys.exit(N)), `raise` (an unhandled ValueError) or `term` (SIGTERM sent to itself)."""

import os
import signal
import sys

from namel3ss_debug import trace_tool_call


@trace_tool_call
def lookup(index):
    return {"index": index, "text": "x" * 200}


for call in range(int(sys.argv[1])):
    lookup(call)
ending = sys.argv[2]
if ending.startswith("exit:"):
    sys.exit(int(ending.split(":")[1]))
if ending == "raise":
    raise ValueError("the app's own failure")
if ending == "term":
    os.kill(os.getpid(), signal.SIGTERM)
print("done", flush=True)
