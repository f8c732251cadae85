"""`namel3ss-debug inspect TRACE...`: events, one event, a span, the tree, a timeline, a journey, a cause.

A thin shell: the options become an `InspectRequest` (checked before anything is read), ops/inspect reads
the view's record, and its view (by --format) streams it. Rich views are imported only when a table is printed, so
`--event N --format json` on an indexed trace stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ...model.events import STATUSES
from ...model.limits import COUNT_MAX
from ..errors import warn
from ..output import STREAMS, View, show
from .writing import Viewed
from ..options import cache_option, format_option, pager_option, trace_options
from ...ops.environment import Environment
from ...ops.inspect.inspect import build_request, inspect_traces
from ...ops.traces import TraceArgs



def _formats(table: str, document: str) -> dict[str, View]:
    """A view's three formats: its table (tables.py), its JSON document and JSON Lines (a `show_*` module)."""
    return {"table": View(f"cli.inspect.tables:{table}", STREAMS), "json": View(f"cli.inspect.{document}", STREAMS),
            "jsonl": View(f"cli.inspect.{document}", STREAMS)}


# each view by the record ops/inspect reads for it, loaded when shown: Rich only for a table
VIEWS = {"events": _formats("events", "show_list:show_events"), "event": _formats("event", "show_event:show_event"),
         "span": _formats("span", "show_shape:show_span"), "tree": _formats("tree", "show_shape:show_tree"),
         "timeline": _formats("timeline", "show_shape:show_timeline"),
         "journey": _formats("journey", "show_story:show_journey"),
         "causality": _formats("causality", "show_story:show_causality")}


@click.command("inspect")
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
@click.option("--limit", type=click.IntRange(1, COUNT_MAX), metavar="N",
              help="At most N events (rows of --tree, --timeline, --journey; the last N of --causality).")
@click.option("--tree", is_flag=True, help="The span tree: duration, status and tokens of every span.")
@click.option("--timeline", is_flag=True, help="A waterfall of the spans across the run's time.")
@click.option("--journey", metavar="AGENT", help="One agent's story: its events and its calls', in order.")
@click.option("--causality", metavar="N|ID", help="What led up to an event (an error, usually): the spans "
              "around it and the related events before it.")
@click.option("--lookback", metavar="DURATION", help="How far back --causality looks: 60s (the default), 2m, "
              "500ms (a bare number is ms).")
@format_option("table", "json", "jsonl")
@click.option("--full", is_flag=True, help="Show long text in full (it is folded to 400 characters otherwise).")
@pager_option
@cache_option
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
    In a store: s3://bucket/key (a trace, any segment of a run) or a folder,
    s3://bucket/prefix/; gs://, az://... as well (see docs/files.md).

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
    runs = TraceArgs(traces, all_runs, strict, config_path)
    record = inspect_traces(request, runs, Environment.current(warn))
    show(Viewed(request, record), request.fmt, VIEWS[request.view], page=request.page)
