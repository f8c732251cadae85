"""`namel3ss-debug inspect TRACE...`: events, one event, a span, the tree, a timeline, a journey, a cause.

A thin shell: options become an `InspectRequest` (checked here, so a bad combination is a usage error
before anything is read); `inspect_modes` reads the events and hands them to a view. Rich views are
imported only when a table is printed, so `--event N --format json` on an indexed trace stays quick.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from ..analysis.event_filter import EventFilter
from ..analysis.window import parse_duration_ms
from ..model.errors import UsageError
from ..model.events import STATUSES
from .trace_args import bounds, check_components, make_reader, open_traces, trace_options

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


@click.command("inspect", short_help="Look into a trace: events, one event or span, the tree, a timeline.")
@trace_options
@click.option("--event", "event_ref", metavar="N|ID", help="Show one event in full: its seq N, or a span id "
              "(a span's start and end).")
@click.option("--span", "span_ref", metavar="ID", help="Show a span: its start and end events and the tree under it.")
@click.option("--name", "names", multiple=True, metavar="PATTERN",
              help="Only events with this name (repeatable; shell patterns such as 'search*').")
@click.option("--type", "types", multiple=True, metavar="PATTERN",
              help="Only this event type (repeatable; patterns such as 'llm_call_*').")
@click.option("--status", "statuses", multiple=True, metavar="STATUS",
              help=f"Only this status (repeatable): {', '.join(STATUSES)}.")
@click.option("--errors-only", is_flag=True, help="Only failures: failed spans, error events, events with an error.")
@click.option("--agent", metavar="NAME", help="Only events of this agent's spans and what they called.")
@click.option("--grep", metavar="TEXT", help="Only events with TEXT in any field (any depth, ignoring case).")
@click.option("--limit", type=click.IntRange(min=1), metavar="N",
              help="At most N events (rows of --tree, --timeline, --journey; the last N of --causality).")
@click.option("--tree", is_flag=True, help="The span tree: duration, status and tokens of every span.")
@click.option("--timeline", is_flag=True, help="A waterfall of the spans across the run's time.")
@click.option("--journey", metavar="AGENT", help="One agent's story: its events and its calls', in order.")
@click.option("--causality", metavar="N|ID", help="What led up to an event (an error, usually): the spans "
              "around it and the related events before it.")
@click.option("--lookback", metavar="DURATION", help="How far back --causality looks: 60s (the default), 2m, "
              "500ms (a bare number is ms).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table", show_default=True,
              help="table for people; json (one document with a schema key) or jsonl (one event a line) for tools.")
@click.option("--full", is_flag=True, help="Show long text in full (it is folded to 400 characters otherwise).")
@click.option("--no-pager", is_flag=True, help="Never page long output on a terminal.")
def inspect(traces: tuple[str, ...], all_runs: bool, strict: bool, config_path: Path | None,
            **options: Any) -> None:
    """Look into a trace: list its events, or show one event, span, agent or error in depth.

    Without a view option, every event (that passes the filters) is listed, one a
    row. Text from the trace is shown as text: markup is not interpreted and
    control characters appear as escapes such as \\x1b. Output taller than the
    terminal goes through $PAGER (less).

    \b
    TRACE is a trace file, any segment of a run (the others are found), a run id
    (looked up in trace_output_dir), a directory (its newest run; --all for every
    run) or - for standard input; .gz files are read as they are. With no TRACE,
    the newest run in trace_output_dir.

    \b
    Examples:
      namel3ss-debug inspect debug/traces --errors-only
      namel3ss-debug inspect run.jsonl --event 42
      namel3ss-debug inspect run.jsonl --tree --component llm --component tool
      namel3ss-debug inspect run.jsonl --causality 57 --lookback 30s
      namel3ss-debug inspect run.jsonl --grep timeout --format jsonl | jq .name

    Exit codes: 0 shown (also when nothing matches), 2 usage (a bad option, an
    event or span that is not there), 3 a trace that cannot be read.
    """
    request = build_request(options)
    sources, _ = open_traces(traces, all_runs, config_path)
    from .inspect_modes import run_request  # noqa: PLC0415 - the views load only when used

    run_request(request, sources, make_reader(strict))


def build_request(options: dict[str, Any]) -> InspectRequest:
    """The options, checked: one view at most, filters only where they apply."""
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
                          parse_lookback(options["lookback"] or "60s"))


def _views(options: dict[str, Any]) -> list[str]:
    given = {"event": options["event_ref"] is not None, "span": options["span_ref"] is not None,
             "tree": options["tree"], "timeline": options["timeline"], "journey": options["journey"] is not None,
             "causality": options["causality"] is not None}
    chosen = [view for view in VIEWS if given[view]]
    if len(chosen) > 1:
        raise UsageError(f"--{chosen[0]} and --{chosen[1]} cannot be combined", hint="choose one view")
    return chosen


def _criteria(options: dict[str, Any]) -> EventFilter:
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


def _no_filters(options: dict[str, Any], view: str) -> None:
    for key, flag in _FILTER_FLAGS:
        if options[key]:
            raise UsageError(f"{flag} does not apply to --{view}",
                             hint="filters narrow the event list, --tree and --timeline")


def parse_lookback(text: str) -> float:
    """`60s`, `2m`, `500ms` (a bare number is ms, as for every duration option) in milliseconds."""
    return parse_duration_ms(text, "--lookback")
