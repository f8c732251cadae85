"""`namel3ss-debug view [TRACE | DIR] [--follow]`: the report page, or a directory's runs, served on 127.0.0.1 and
opened in a browser."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from ..model.errors import TraceError, UsageError
from .errors import warn
from .options import jobs_option, page_options
from .progress import bars
from ..ops.environment import Environment
from ..ops.report import ReportRequest
from ..ops.browse import lists_runs, open_browser
from ..ops.view import LiveRun
import webbrowser
from ..web.server import ViewServer

WAIT_S = 0.2


@click.command("view")
@click.argument("traces", nargs=-1, metavar="[TRACE | DIR | BASE NEW]")
@click.option("--follow", is_flag=True,
              help="Read the run again whenever its files change: new spans appear, running spans grow, anomalies "
                   "show as they fire (the page polls twice a second). On a directory, the list adds runs as they "
                   "are written (it polls every 2 s) and /run/latest moves to each new run that starts in it.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="The port on 127.0.0.1 (0: a free one, printed).")
@click.option("--no-browser", is_flag=True, help="Print the URL only; do not open a browser.")
@jobs_option
@page_options
def view(traces: tuple[str, ...], follow: bool, port: int, no_browser: bool, jobs: int, slow_threshold: str,
         max_text: int, prices_path: Path | None, strict: bool, config_path: Path | None, no_cache: bool) -> None:
    """Serve the page `report` writes on 127.0.0.1, and open it in the browser.

    \b
    DIR (or no TRACE: trace_output_dir) opens on the list of its runs, read
    from its run index (the one `runs` keeps, .namel3ss-runs.sqlite, brought
    up to date first): search, filters (status, health, model, finding,
    reruns and forks), columns sorted by a click, a chart of cost, duration
    and errors over time, and a link to each run. Tick two runs and click
    compare to see them compared. A rerun or fork links to its parent and to
    the comparison of the two. The addresses are links to paste in a chat:
    /run/RUN_ID is a run's page, /run/RUN_ID#span=SPAN_ID opens it with that
    span selected (selecting a span puts it in the address bar), and
    /compare/BASE_ID/NEW_ID two runs compared. A run id the index does not
    hold is a page that says so (404). The list shows the index's figures,
    analyze's for each run under the workspace's prices; --prices and
    --slow-threshold apply to the pages of runs.

    \b
    TRACE is a trace file, any segment of a run or a run id: its page alone.
    BASE NEW serves the comparison of two runs (not with --follow).
    In a store: s3://bucket/key (a trace, any segment of a run) or a folder,
    s3://bucket/prefix/ (its runs, indexed in memory); gs://, az://... as well
    (see docs/files.md). --follow watches local traces only.

    \b
    The server listens on the loopback address only, answers only requests
    from loopback that name it as their Host, and serves only its pages and
    their data. It closes a connection that sends nothing, or takes nothing
    of its answer, for 10 s; a client that hangs up early is no error. It
    runs until Ctrl-C.

    \b
    With --follow, it reads the run again whenever its files change (a new
    segment too), and the page polls for it: spans written since appear,
    spans still running grow, anomalies show as they fire, and the page says
    when the run has ended. While it is written, the run is "running" and
    its open calls "in flight" (once its process is gone with no run_end,
    "not ended", as report says). On a directory, the list adds the runs
    written since and drops the ones deleted, a run's page follows it while
    it is written, and /run/latest follows the directory's newest run,
    moving to the next run as soon as one starts there (the page says so):
    start it first, `namel3ss-debug view --follow`, then `namel3ss-debug
    trace app.py`. A directory that is not there yet is waited for.

    \b
    Examples:
      namel3ss-debug view                        the runs of trace_output_dir
      namel3ss-debug view --follow --no-browser  the same, kept up to date; print the URL
      namel3ss-debug view debug/traces/20261122-100000-abcdef.0000.jsonl   one run
      namel3ss-debug view base.jsonl new.jsonl   two runs compared

    Exit codes: 0 stopped (Ctrl-C), 2 usage (the port is taken, --follow with
    two runs, three TRACEs, no trace_output_dir), 3 an invalid trace.
    """
    if follow and len(traces) > 1:
        raise UsageError("--follow follows one run, and two were named", hint="name one TRACE, or leave out --follow")
    request = ReportRequest(traces, strict, config_path, slow_threshold, prices_path, cache=not no_cache,
                            jobs=jobs)
    try:
        served = _served(request, Environment.current(warn), follow)
        _serve(served, port, max_text, not no_browser)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def _served(request: Any, env: Any, follow: bool) -> Any:
    """What the server serves: a directory's runs (`RunsBrowser`), or a run or two (`LiveRun`, read once now:
    a run that cannot be read is an error now, not in the browser)."""
    if lists_runs(request.traces):  # the index's first sync draws its bar; the pages' reads do not
        return _waited(lambda: open_browser(request, replace(env, progress=bars(True)), follow=follow), follow)
    live = LiveRun(request, env, follow=follow)
    _waited(live.snapshot, follow, live)
    return live


def _serve(served: Any, port: int, max_text: int, open_browser: bool) -> None:
    """Serve until Ctrl-C (KeyboardInterrupt, which the caller turns into `stopped`)."""
    try:
        server = ViewServer(served, port=port, max_text=max_text, on_error=warn)
    except OSError as error:
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {error.strerror or error}",
                         hint="choose another --port, or 0 for a free one") from None
    try:
        click.echo(f"serving {server.url} (Ctrl-C to stop)", err=True)
        if open_browser:
            webbrowser.open(server.url)
        server.serve_forever()
    finally:
        server.server_close()


def _waited(attempt: Callable[[], Any], follow: bool, live: Any = None) -> Any:
    """`attempt()`; when following, a run with no event yet (the app has only just started, its first lines
    not flushed), or a directory with no run yet, is waited for."""
    said = ""
    while True:
        try:
            return attempt()
        except TraceError as error:
            if not follow:
                raise
            what = (f"the first events of {live.request.traces[0]}" if live is not None and live.request.traces
                    else f"a run in {getattr(error, 'directory', None) or live.watching}")
            if what != said:
                click.echo(f"waiting for {what} (Ctrl-C to stop)", err=True)
                said = what
            time.sleep(WAIT_S)

