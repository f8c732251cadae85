"""`namel3ss-debug view [TRACE] [--follow]`: the report page, served on 127.0.0.1 and opened in a browser."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from ..model.errors import UsageError
from .errors import warn
from .options import page_options

WAIT_S = 0.2


@click.command("view", short_help="Serve the report page on 127.0.0.1; --follow a live run.")
@click.argument("traces", nargs=-1, metavar="[TRACE | BASE NEW]")
@click.option("--follow", is_flag=True,
              help="Read the run again whenever its files change: new spans appear, running spans grow, anomalies "
                   "show as they fire (the page polls twice a second). Following a directory (no TRACE, or a "
                   "directory), move to each new run that starts in it.")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="The port on 127.0.0.1 (0: a free one, printed).")
@click.option("--no-browser", is_flag=True, help="Print the URL only; do not open a browser.")
@page_options
def view(traces: tuple[str, ...], follow: bool, port: int, no_browser: bool, slow_threshold: str, max_text: int,
         prices_path: Path | None, strict: bool, config_path: Path | None, no_cache: bool) -> None:
    """Serve the page `report` writes on 127.0.0.1, and open it in the browser.

    \b
    The server listens on the loopback address only, answers only requests
    from loopback that name it as their Host, and serves only the page (/)
    and its data (/data). It closes a connection that sends nothing, or takes
    nothing of its answer, for 10 s; a client that hangs up early is no error.
    It runs until Ctrl-C.

    \b
    With --follow, it reads the run again whenever its files change (a new
    segment too), and the page polls for it: spans written since appear,
    spans still running grow, anomalies show as they fire, and the page says
    when the run has ended. While it is written, the run is "running" and
    its open calls "in flight" (once its process is gone with no run_end,
    "not ended", as report says). Following a directory (no TRACE, or a
    directory named), it follows the newest run in it and moves to the next
    run as soon as one starts there (the page says so), so start it first:
    `namel3ss-debug view --follow`, then `namel3ss-debug trace app.py`. A
    directory with no run yet is waited for.

    \b
    TRACE is a trace file, any segment of a run, a run id or a directory (its
    newest run). With no TRACE, the newest run in trace_output_dir. BASE NEW
    serves the comparison of two runs (not with --follow).

    \b
    Examples:
      namel3ss-debug view                        the newest run
      namel3ss-debug view --follow --no-browser  follow the newest run; print the URL
      namel3ss-debug view base.jsonl new.jsonl   two runs compared

    Exit codes: 0 stopped (Ctrl-C), 2 usage (the port is taken, --follow with
    two runs, three TRACEs), 3 an invalid trace.
    """
    from ..ops.environment import Environment  # noqa: PLC0415 - loads when the command runs
    from ..ops.report import ReportRequest  # noqa: PLC0415 - loads when the command runs
    from ..ops.view import LiveRun  # noqa: PLC0415 - loads when the command runs

    if follow and len(traces) > 1:
        raise UsageError("--follow follows one run, and two were named", hint="name one TRACE, or leave out --follow")
    live = LiveRun(ReportRequest(traces, strict, config_path, slow_threshold, prices_path, cache=not no_cache),
                   Environment.current(warn), follow=follow)
    try:
        _serve(live, port, max_text, not no_browser)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def _serve(live: Any, port: int, max_text: int, open_browser: bool) -> None:
    """Serve until Ctrl-C (KeyboardInterrupt, which the caller turns into `stopped`)."""
    import webbrowser  # noqa: PLC0415 - loads when the command runs

    from ..web.server import ViewServer  # noqa: PLC0415 - loads when the command runs

    _first_snapshot(live)
    try:
        server = ViewServer(live, port=port, max_text=max_text, on_error=warn)
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


def _first_snapshot(live: Any) -> None:
    """Read the run once: a run that cannot be read is an error now, not in the browser. When following, a
    run with no event yet (the app has only just started, its first lines not flushed), or a directory with
    no run yet, is waited for."""
    from ..model.errors import TraceError  # noqa: PLC0415 - loads when the command runs

    said = ""
    while True:
        try:
            live.snapshot()
            return
        except TraceError:
            if not live.follow:
                raise
            what = (f"the first events of {live.request.traces[0]}" if live.request.traces
                    else f"a run in {live.watching}")
            if what != said:
                click.echo(f"waiting for {what} (Ctrl-C to stop)", err=True)
                said = what
            time.sleep(WAIT_S)
