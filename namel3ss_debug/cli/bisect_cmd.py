"""`namel3ss-debug bisect TRACE`: the earliest call of a failed run whose replacement answer flips its outcome.

A thin shell: read the options, run `ops/bisect.bisect_app` (the app allowed as `replay --rerun` allows it), print
the report and exit with its code.
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
from ..ops.bisect import BisectRequest, bisect_trace
from ..ops.environment import Environment

VIEWS = {"text": View("render.bisect.text:render_bisect", RENDERABLE),
         "json": View("render.bisect.bisect_json:bisect_json", BYTES)}


@click.command("bisect")
@click.argument("trace", metavar="TRACE")
@click.option("--answers", "answers_path", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help='The replacement answers: a JSON object of call -> answer, {"llm:chat#3": "...", ...}, each '
                   "value as --mock takes it (a neutral LLM answer too: a text, or {\"content\": ..., "
                   '"tool_calls": [...]}).')
@click.option("--good", "good", metavar="RUN", help="Take the replacement answers from a good run of the same app "
              "(a trace file or run id): each LLM and tool call whose twin of the same key there returned "
              "something else.")
@live_options
@expect_option
@format_option("text", "json")
@output_option()
@config_option
@app_options
def bisect(trace: str, answers_path: Path | None, good: str | None, base_url: str | None, live_own: bool,
           live_requests: bool, expect: str | None, fmt: str, cwd: Path | None, output: str | None,
           config_path: Path | None, allowed: bool) -> None:
    """Find the earliest call of a failed run whose replacement answer makes
    the failure go away, by offline reruns of the app.

    \b
    The candidates are the calls with a replacement answer (--answers FILE, or
    --good RUN), in the order the bad run made them. TRACE and RUN may be in a
    store too (s3://bucket/key, s3://bucket/prefix/; see docs/files.md). Each rerun substitutes
    some of them (as --mock does) and answers the others from the bad run;
    it flips when it passes, judged as verify judges a run (exit status,
    errors, the workspace's checks and --expect, so a run that exited 0 with
    a wrong final output is failed, and one that fails another way has not
    flipped).

    \b
    The search is a binary search over the first k calls substituted, then
    one check, so at most ceil(log2(n)) + 1 reruns for n candidates:
      found         the first k flip, the first k-1 do not; call k alone
                    flips too (or was not tried: the budget was spent)
      not monotone  call k alone does not flip: the flip needs more calls
      none          substituting every candidate does not flip it
      stopped       a rerun was stopped at a miss: no outcome to judge

    \b
    After a substituted call, later calls may ask something else. Such a
    call is answered from --good's call of the same key if it asks what
    that one asked, or from --answers' value for its key; otherwise a tool
    runs for real, as after a fork's call (the tool a corrected answer
    asks for), and any other call is a miss, which stops that rerun,
    unless --base-url or --live lets an LLM call go live (--live: where
    the app sends them, said before the first rerun; each rerun counts
    its live calls and names where they went) and --live-requests what
    the tools send. Without them no request reaches the network: every
    rerun runs in the command's one network namespace where the kernel
    allows it (Linux), else the in-process guard, as each rerun's `network`
    row says.

    \b
    Examples:
      namel3ss-debug bisect debug/traces/bad.jsonl --good debug/traces/good.jsonl
      namel3ss-debug bisect bad.jsonl --answers fixes.json
      namel3ss-debug bisect bad.jsonl --answers fixes.json --format json | jq .call
      namel3ss-debug bisect bad.jsonl --good good.jsonl --expect 'contains:sunny'
      namel3ss-debug bisect bad.jsonl --good good.jsonl --live

    Exit codes: 0 a call was found, 1 none, not monotone or stopped, 2 usage
    (neither or both of --answers and --good, a bad answers file or --expect
    rule, a run that passed, a bad --base-url or one with --live; the app, a
    run not recorded here or a tool it chose not allowed), 3 a trace that
    cannot be read.
    """

    env = Environment.current(warn, bars(True))
    rerun = rerun_request(trace, fmt, env, cwd=cwd, output=output, config_path=config_path, allowed=allowed,
                          base_url=base_url, live_own=live_own, live_requests=live_requests)
    request = BisectRequest(rerun, answers_path, good, expect)
    report = bisect_trace(request, env, announcer(cwd, allowed, env),
                          lambda number, keys: tell("render.bisect.text:probing", number, keys),
                          lambda endpoints: tell("render.rerun.live:going_live", endpoints, "bisect"))
    show(report, fmt, VIEWS)
    sys.exit(report.exit_code)
