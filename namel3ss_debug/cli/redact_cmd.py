"""`namel3ss-debug redact TRACE...`: hide secrets in trace files already written, as the tracer would have."""

from __future__ import annotations

from pathlib import Path

import click

from ..model.messages import plural
from .errors import warn
from .options import all_option, config_option
from ..ops.environment import Environment
from ..ops.redact import RedactRequest, redact_traces
from ..ops.traces import TraceArgs


@click.command("redact")
@click.argument("traces", nargs=-1, metavar="[TRACE]...")
@all_option
@click.option("--dry-run", is_flag=True, help="Say how many events would change in each file; write nothing.")
@click.option("--wait", is_flag=True,
              help="A run still being written: wait until its app is done with it, then redact it "
                   "(without --wait it is left as it is, exit 1).")
@config_option
def redact(traces: tuple[str, ...], all_runs: bool, dry_run: bool, wait: bool, config_path: Path | None) -> None:
    """Rewrite trace files with the tracer's redaction applied.

    For a trace recorded with redaction off (redact: false), or before a
    key or pattern was added to redact_keys / redact_patterns: every event
    is redacted as the tracer would write it now, and each file is replaced
    atomically (a new file beside it, synced, then renamed over it: a crash
    leaves the old file whole). Lines with nothing to hide stay byte for
    byte; the file's offset index is removed. A .jsonl.gz file is written
    compressed again. Every result the read commands kept in their cache
    from these files is removed too, so no copy of a hidden value is left.

    A run still being written (its app has a file of it open) is not
    touched: renaming a new file over one the app is writing would lose
    every line written after. Such a run is left as it is and named (exit
    1), or with --wait waited for. A run whose app died mid-run is not being
    written and is redacted. The app's tracer tells by a lock on the file it
    writes (flock): a tracer of an older version, or a file system without
    flock, holds none; on Windows a file open in its app cannot be replaced,
    and the error says so.

    \b
    TRACE is a trace file, any segment of a run, a run id or a directory (its
    newest run; --all for every run). With no TRACE, the newest run in
    trace_output_dir. Standard input cannot be rewritten.

    \b
    Examples:
      namel3ss-debug redact run.jsonl --dry-run
      namel3ss-debug redact debug/traces --all
      namel3ss-debug redact run.jsonl --config ci/debug.json

    Exit codes: 0 done (or nothing to do), 1 a run still being written was
    left as it is (the others were redacted), 2 usage, 3 a trace that cannot
    be read whole (a torn or invalid line): then no file is changed.
    """
    request = RedactRequest(TraceArgs(traces, all_runs, False, config_path), dry_run, wait)
    verb = "would redact" if dry_run else "redacted"
    for result in redact_traces(request, Environment.current(warn)):
        click.echo(f"{result.path}: {verb} {plural(result.changed, 'event')}")
