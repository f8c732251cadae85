"""A traced app that waits to be killed, for the tests of runs killed before their end: `python killed_app.py CALLS`
makes CALLS traced tool calls, writes them to disk, prints `ready`, then waits for its standard input to close
(SIGKILL comes first in the tests that kill it; the others close it, and the app ends as any app does)."""

import sys

from namel3ss_debug import get_tracer, trace_tool_call


@trace_tool_call
def lookup(index):
    return {"index": index, "text": "x" * 200}


for call in range(int(sys.argv[1])):
    lookup(call)
get_tracer().flush()
print("ready", flush=True)
sys.stdin.read()
