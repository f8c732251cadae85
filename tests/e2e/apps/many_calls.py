"""Make N tool calls, each recording its index: `python many_calls.py N`."""

import sys

from namel3ss_debug import trace_tool_call


@trace_tool_call
def step(i):
    return i


for i in range(int(sys.argv[1])):
    step(i)
