"""A traced app that does a little and says so: `python hello.py`."""

from namel3ss_debug import trace_tool_call


@trace_tool_call
def greet(name):
    return f"hello {name}"


print(greet("world"), flush=True)
