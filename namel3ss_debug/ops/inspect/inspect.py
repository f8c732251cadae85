"""`inspect`'s use case: the options checked into a request (a bad combination is a usage error before anything
is read), then the runs named, read for one view, as that view's record.

The view's module is imported only when that view is asked for: `--event N --format json` on an
indexed trace thus loads none of the span analyses.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Mapping

from ...analysis.event_filter import EventFilter
from ...analysis.window import parse_duration_ms
from ...model.errors import UsageError
from ...model.events import STATUSES
from ..environment import Environment
from ..traces import TraceArgs, bounds, check_components, make_reader, open_traces
from .stream import EventStream

VIEWS = ("event", "span", "tree", "timeline", "journey", "causality")
FOCUSED = ("event", "span", "journey", "causality")  # views of one thing: the event filters do not apply


@dataclass(frozen=True)
class InspectRequest:
    """What to show: a view ("events" for the list), its argument, the filter and the output options."""

    view: str
    target: str | None
    criteria: EventFilter
    limit: int | None
    fmt: str
    full: bool
    page: bool
    lookback_ms: float
    cache: bool = True  # False (--no-cache): no index sidecar written beside a trace


def build_request(options: Mapping[str, Any]) -> InspectRequest:
    """The options (keyed as `inspect`'s parameters), checked: one view at most, filters only where they apply."""
    chosen = _views(options)
    view = chosen[0] if chosen else "events"
    criteria = _criteria(options)
    if view in FOCUSED:
        _no_filters(options, view)
    if options["lookback"] is not None and view != "causality":
        raise UsageError("--lookback goes with --causality", hint="e.g. --causality 57 --lookback 30s")
    target = {"event": options["event_ref"], "span": options["span_ref"], "journey": options["journey"],
              "causality": options["causality"]}.get(view)
    return InspectRequest(view, target, criteria, options["limit"], options["fmt"], options["full"],
                          not options["no_pager"],
                          parse_lookback(options["lookback"] or "60s"), not options.get("no_cache", False))


def _views(options: Mapping[str, Any]) -> list[str]:
    given = {"event": options["event_ref"] is not None, "span": options["span_ref"] is not None,
             "tree": options["tree"], "timeline": options["timeline"], "journey": options["journey"] is not None,
             "causality": options["causality"] is not None}
    chosen = [view for view in VIEWS if given[view]]
    if len(chosen) > 1:
        raise UsageError(f"--{chosen[0]} and --{chosen[1]} cannot be combined", hint="choose one view")
    return chosen


def _criteria(options: Mapping[str, Any]) -> EventFilter:
    unknown = [status for status in options["statuses"] if status not in STATUSES]
    if unknown:
        raise UsageError(f"--status {unknown[0]!r} is not a status", hint=f"use one of: {', '.join(STATUSES)}")
    since, until = bounds(options["since"], options["until"])
    return EventFilter(components=check_components(options["components"]), names=options["names"],
                       types=options["types"], statuses=frozenset(options["statuses"]),
                       errors_only=options["errors_only"], agent=options["agent"], grep=options["grep"],
                       since=since, until=until)


_FILTER_FLAGS = (("components", "--component"), ("names", "--name"), ("types", "--type"), ("statuses", "--status"),
                 ("errors_only", "--errors-only"), ("agent", "--agent"), ("grep", "--grep"), ("since", "--since"),
                 ("until", "--until"))


def _no_filters(options: Mapping[str, Any], view: str) -> None:
    for key, flag in _FILTER_FLAGS:
        if options[key]:
            raise UsageError(f"{flag} does not apply to --{view}",
                             hint="filters narrow the event list, --tree and --timeline")


def parse_lookback(text: str) -> float:
    """`60s`, `2m`, `500ms` (a bare number is ms, as for every duration option) in milliseconds."""
    return parse_duration_ms(text, "--lookback")


# view -> the module of ops/inspect/ that reads it (`read_*`) and its function; cli/inspect/ shows it in
# its `show_*` twin
MODES = {
    "events": ("read_list", "read_events"), "event": ("read_event", "read_event"),
    "span": ("read_shape", "read_span"), "tree": ("read_shape", "read_tree"),
    "timeline": ("read_shape", "read_timeline"), "journey": ("read_story", "read_journey"),
    "causality": ("read_story", "read_causality"),
}


def inspect_traces(request: InspectRequest, runs: TraceArgs, env: Environment) -> Any:
    """The record of the view asked for (see MODES). The event list is read as its `events` are iterated."""
    sources, _ = open_traces(runs, env)
    module, name = MODES[request.view]
    read = getattr(importlib.import_module(f".{module}", __package__), name)
    return read(request, EventStream(sources, make_reader(runs.strict, env, write_index=request.cache), env.warn))
