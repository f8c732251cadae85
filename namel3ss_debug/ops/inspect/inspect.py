"""`inspect`'s use case: the runs named, read for one view, as that view's record.

The view's module is imported only when that view is asked for: `--event N --format json` on an
indexed trace thus loads none of the span analyses.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..environment import Environment
from ..traces import TraceArgs, make_reader, open_traces
from .request import InspectRequest
from .stream import EventStream

# view -> the module of ops/inspect/ that reads it and its function; cli/inspect/ renders it in a module of
# the same name
MODES = {
    "events": ("listing", "read_events"), "event": ("one", "read_event"),
    "span": ("shapes", "read_span"), "tree": ("shapes", "read_tree"),
    "timeline": ("shapes", "read_timeline"), "journey": ("stories", "read_journey"),
    "causality": ("stories", "read_causality"),
}


def inspect_traces(request: InspectRequest, runs: TraceArgs, env: Environment) -> Any:
    """The record of the view asked for (see MODES). The event list is read as its `events` are iterated."""
    sources, _ = open_traces(runs, env)
    module, name = MODES[request.view]
    read = getattr(importlib.import_module(f".{module}", __package__), name)
    return read(request, EventStream(sources, make_reader(runs.strict, env), env.warn))
