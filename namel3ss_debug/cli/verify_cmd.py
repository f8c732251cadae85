"""`namel3ss-debug verify TRACE`: run the app's current code against a recorded run, and say what it changed.

A thin shell: read the options, run `ops/verify.verify_app` (the app allowed as `replay --rerun` allows it), print
the report and exit with the verdict's code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import warn
from .output import BYTES, RENDERABLE, View, show, tell
from .options import app_options, config_option, expect_option, format_option, live_options, output_option
from .progress import bars
from .questions import announcer
from .rerunning import rerun_request
from ..ops.environment import Environment
from ..ops.verify import VerifyRequest, verify_trace

MAX_REPEAT = 100
VIEWS = {"text": View("render.verify.text:render_verify", RENDERABLE),
         "json": View("render.verify.verify_json:verify_json", BYTES)}


@click.command("verify")
@click.argument("trace", metavar="TRACE")
@live_options
@expect_option
@click.option("--repeat", type=click.IntRange(1, MAX_REPEAT), default=1, show_default=True, metavar="K",
              help="Run the current code K times and report pass^k; tries that disagree are inconclusive.")
@format_option("text", "json")
@output_option()
@config_option
@app_options
def verify(trace: str, base_url: str | None, live_own: bool, live_requests: bool, expect: str | None, repeat: int,
           fmt: str, cwd: Path | None, output: str | None, config_path: Path | None, allowed: bool) -> None:
    """Run the app's current code against a recorded run and judge what changed:
    fixed, improved, regressed, unchanged or inconclusive.

    \b
    Each LLM call is answered from the recording while it asks exactly what the
    recorded call asked; from the first that asks anything else, LLM calls go
    live at --base-url, or with --live where the app itself sends them (said
    before it runs); without either, the run stops there and the miss is
    reported. The app's own tools run for real: they are the code being
    verified. The network stays closed around them: a request of a recorded
    client (httpx, requests, aiohttp) is answered from the recording when it
    has the same request, anything else they send (urllib, sockets, the
    processes they start) stops the run as a miss, unless --live-requests.
    Without --base-url, --live and --live-requests the whole run is in a
    network namespace of its own (Linux); the report's `network` row says how.

    \b
    A trace not recorded here (by your tracer, on this machine, unchanged
    since, nor a rerun of one that was not) does not drive the app unasked:
    it is asked about once before the app runs (the app may act on its
    answers' text where no tool is seen), then before each tool that runs
    with arguments it chose (y, n, or a for all). Without a terminal the
    command stops with exit 2 before the app runs; --yes allows both. A
    trace in a store (s3://bucket/key, a folder's newest run; see
    docs/files.md) is never one recorded here: it is asked about too.

    \b
    The verdict compares the two runs' outcomes: exit status, a give-up (a
    critical finding: an apology after a failure, a turn limit), errors
    (handled and unhandled), the workspace's `checks` rules and --expect.
      fixed         the recording failed, the new run passes
      improved      both fail, the new run with fewer failures or later
      regressed     the recording passed and the new run fails, or a new failure
      unchanged     the same outcome
      inconclusive  a miss stopped the run, or repeated tries disagree
    The calls are compared one by one too (a reworded answer is no divergence;
    other text, JSON, tools or arguments are), and the first real divergence
    is named.

    \b
    Examples:
      namel3ss-debug verify debug/traces/failed.jsonl
      namel3ss-debug verify failed.jsonl --base-url http://127.0.0.1:8000
      namel3ss-debug verify failed.jsonl --live
      namel3ss-debug verify good.jsonl --base-url https://api.openai.com --repeat 5
      namel3ss-debug verify run.jsonl --expect 'contains:sunny' --format json

    Exit codes: 0 fixed, improved or unchanged, 1 regressed or inconclusive,
    2 usage (a bad option or --expect rule; the app, or a tool a trace from
    elsewhere chose, not allowed), 3 a trace that cannot be read.
    """

    env = Environment.current(warn, bars(True))
    rerun = rerun_request(trace, fmt, env, cwd=cwd, output=output, config_path=config_path, allowed=allowed,
                          base_url=base_url, live_own=live_own, live_requests=live_requests)
    request = VerifyRequest(rerun, expect, repeat)
    report = verify_trace(request, env, announcer(cwd, allowed, env),
                          lambda number, repeat: tell("render.verify.text:trying", number, repeat),
                          lambda endpoints: tell("render.rerun.live:going_live", endpoints))
    show(report, fmt, VIEWS)
    sys.exit(report.exit_code)
