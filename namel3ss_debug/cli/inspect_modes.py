"""Running an `inspect` request: the view's module is imported only when that view is asked for.

Each view reads what it needs, calls one analysis and hands the result to a renderer; `--event N
--format json` on an indexed trace thus loads neither Rich's tables nor the span analyses.
"""

from __future__ import annotations

import importlib

from ..store.reader import TraceReader
from ..store.sources import RunSource
from .inspect_cmd import InspectRequest
from .inspect_events import EventStream
from .inspect_sink import Sink
from .pager import PagerClosed, drop_stdout

MODES = {
    "events": ("inspect_list", "show_events"), "event": ("inspect_one", "show_event"),
    "span": ("inspect_shapes", "show_span"), "tree": ("inspect_shapes", "show_tree"),
    "timeline": ("inspect_shapes", "show_timeline"), "journey": ("inspect_stories", "show_journey"),
    "causality": ("inspect_stories", "show_causality"),
}


def run_request(request: InspectRequest, sources: list[RunSource], reader: TraceReader) -> None:
    """Show the requested view; quitting the pager or closing the pipe ends the output quietly.

    Whatever happens, a running pager is waited for (it has the terminal), before any error is printed.
    """
    module, name = MODES[request.view]
    show = getattr(importlib.import_module(f".{module}", __package__), name)
    sink = Sink(request)
    try:
        show(request, EventStream(sources, reader), sink)
    except PagerClosed:
        pass
    except KeyboardInterrupt:
        if not sink.paged:  # with a pager, Ctrl-C went to it too, and it decides
            raise
    except BrokenPipeError:
        drop_stdout()
    finally:
        sink.close()
