"""The spans a rerun's stop leaves open end with the run, marked as the stop's doing.

A rerun stops the app with a `RerunStop` (a miss, a quit at its console, a refused tool), which is no `Exception`
so that the app's `except Exception` cannot swallow it. A framework's own failure path is such a clause, so a hook
that ends its span from the framework's callbacks or events (Google ADK's `on_agent_error_callback`, CrewAI's
`..._failed` events) is never called back: the stop unwinds the framework past it, and the span would never end.
Such a hook has no `finally` of its own to end it in, and one that had would mend its own framework only; the
tracer sees every span open and every stop made, so it ends them, for every framework at once.

While a rerun runs the app, its run keeps its open spans (`StoppedSpans`, by span id; no other run keeps them, so a
span an app never ends is not held there) and hears each stop as it is made (`STOP_LISTENERS`). When the run ends
after a stop, the spans still open end just before `run_end`, innermost first: `failed`, with no error of their
own and `attrs.ended_by: stop` (`model/rerun_protocol.ENDED_BY_STOP`), which the analysis counts as no failure of
the app's. A run that ends without a stop leaves its open spans as they are: nothing unwound them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model.rerun_protocol import ENDED_BY_STOP, STOP_LISTENERS, RerunStop
from .span import Span

if TYPE_CHECKING:
    from .core import Tracer


class StoppedSpans:
    """A rerun's run's open spans, and whether a stop was made while it ran."""

    def __init__(self) -> None:
        self.open: dict[str, Span] = {}
        self.stopped = False
        STOP_LISTENERS.append(self.heard)

    def heard(self, stop: RerunStop) -> None:
        self.stopped = True

    def opened(self, span: Span) -> None:
        self.open[span.span_id] = span

    def ended(self, span: Span) -> None:
        self.open.pop(span.span_id, None)

    def close(self, tracer: Tracer) -> None:
        """Stop listening; after a stop, end the spans still open (see the module's docstring)."""
        if self.heard in STOP_LISTENERS:
            STOP_LISTENERS.remove(self.heard)
        if not self.stopped:
            return
        for span in reversed(list(self.open.values())):  # in the order they started: a parent before its children
            span.set_attribute("ended_by", ENDED_BY_STOP)
            span.set_status("failed")
            tracer.end_span(span)
