"""`namel3ss-debug replay TRACE`: step through a recorded run like pdb, with breakpoints and mocks.

A thin shell: read the run into a timeline, set the breakpoints and mocks given as options (a
mistake in one is a usage error, exit 2, before anything is shown), then hand the session to the
console: a terminal prompt (`--step` on a terminal), a script (`--commands FILE`, or `--step` with
commands piped in), or neither (every breakpoint stop, or the whole timeline).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..model.errors import UsageError
from .errors import warn
from .options import (
    cache_option,
    config_option,
    format_option,
    pager_option,
    progress_option,
    rerun_options,
    strict_option,
)
from .output import console
from .progress import bars
from .scripts import check_stdin, command_lines, history_path, scripted
from ..ops.environment import Environment
from ..ops.replay import load_run, replay_engine
from ..ops.traces import TraceArgs, make_reader, open_traces
from ..replay.debugger import ReplaySession
from .pager import PagedOutput, PagerClosed, drop_stdout

# the rerun's options (cli/options.py: rerun_options) by parameter, in the order a usage error names them
RERUN_ONLY = ("match", "on_miss", "live_tools", "cwd", "output", "fork", "allowed")
FORK_ONLY = ("answer", "ask", "fork_model", "offline", "base_url")  # a fork's change: --fork's too


@click.command("replay")
@click.argument("traces", nargs=-1, metavar="[TRACE]")
@click.option("--step", is_flag=True, help="Open the console at the first event (on a terminal: a prompt with "
              "history and Tab completion; otherwise commands are read from standard input).")
@click.option("--break", "-b", "breaks", multiple=True, metavar="SPEC",
              help="Set a breakpoint (repeatable): TARGET [if CONDITION], e.g. 'tool:search#2', 'errors', "
              "'llm if duration_ms > 500'.")
@click.option("--mock", "mocks", multiple=True, metavar="KEY=JSON|KEY=@FILE",
              help="Replace a call's recorded result (repeatable): 'llm:planner#1={\"text\": \"X\"}'.")
@click.option("--mock-file", "mock_files", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Mocks from a JSON object of KEY: value (repeatable).")
@click.option("--commands", "commands_file", type=click.Path(path_type=Path, allow_dash=True), metavar="FILE",
              help="Run the console commands in FILE (- for standard input), one a line, then stop.")
@format_option("text", "json")
@click.option("--run", "run_id", metavar="ID", help="Which run of a file that holds several (the first by default).")
@strict_option
@config_option
@pager_option
@cache_option
@progress_option
@click.option("--rerun", is_flag=True, help="Run the recorded app again, offline: every traced LLM and tool call "
              "returns its recorded result (or a --mock) instead of running; then compare the two runs.")
@rerun_options
def replay(traces: tuple[str, ...], step: bool, breaks: tuple[str, ...], mocks: tuple[str, ...],
           mock_files: tuple[Path, ...], commands_file: Path | None, fmt: str, run_id: str | None, strict: bool,
           config_path: Path | None, no_pager: bool, no_cache: bool, no_progress: bool, rerun: bool,
           **rerun_only: Any) -> None:
    """Step through a recorded run like pdb: stop at breakpoints, look at what each
    agent, LLM and tool saw and returned, go back, and ask "what if this call had
    returned X" with mocks.

    \b
    Without --step or --commands, replay goes from breakpoint to breakpoint and
    shows each stop (with no breakpoints: every event, as a timeline).

    \b
    Console commands (help NAME in the console says more):
      s(tep) n(ext) r/finish c(ontinue) until [SEQ] back goto SEQ
      b(reak) [TARGET [if COND]]  tbreak  cl(ear)  disable  enable  condition  ignore
      w(here) l(ist) ll p EXPR pp EXPR display EXPR  mock KEY=JSON  info  stats  help  q(uit)

    \b
    TRACE is a trace file, any segment of a run, a run id, a directory (its
    newest run) or - for standard input. With no TRACE, the newest run in
    trace_output_dir (with --rerun, the newest that is not itself a rerun,
    named on stderr).
    In a store: s3://bucket/key (a trace, any segment of a run) or a folder,
    s3://bucket/prefix/; gs://, az://... as well (see docs/files.md).

    \b
    Examples:
      namel3ss-debug replay run.jsonl --step
      namel3ss-debug replay run.jsonl --break errors
      namel3ss-debug replay run.jsonl -b 'llm if usage.total_tokens > 1000' --format json
      printf 'b tool:search#2\\nc\\nwhere\\np outputs\\n' | namel3ss-debug replay run.jsonl --step
      namel3ss-debug replay run.jsonl --mock 'llm:planner#1={"text": "X"}' --commands session.txt

    \b
    Fork a run with --rerun --fork CALL: calls before CALL are answered from
    the trace, CALL gets one change, later calls are answered only when they
    ask exactly what was recorded, and LLM calls that do not run live
    (--base-url URL) or, with --offline, stop the run as a miss:
      namel3ss-debug replay run.jsonl --rerun --fork llm:openai.chat#2 --answer 'Take an umbrella.'
      namel3ss-debug replay run.jsonl --rerun --fork llm:openai.chat#1 \\
          --answer '{"content": null, "tool_calls": [{"name": "get_weather", "arguments": {"city": "Oslo"}}]}'
      namel3ss-debug replay run.jsonl --rerun --fork llm:openai.chat#1 --ask @messages.json --base-url http://127.0.0.1:8000
      namel3ss-debug replay run.jsonl --rerun --fork llm:openai.chat#2 --model gpt-4o-mini
      namel3ss-debug replay run.jsonl --rerun --fork llm:openai.chat#2          # a re-sample: sent again as recorded

    \b
    A rerun finds the app and its directory by their paths relative to the
    project (the git checkout holding the trace file, or its workspace), so a
    clone reruns its committed recordings anywhere. It runs the code the trace
    names without asking only when it is this project's app: a script, .ai app
    or module inside the trace's project (with --cwd, DIR; for an older trace,
    the working directory), run there. Anything else (a stdlib or installed module,
    a script elsewhere, a recorded directory outside) is shown and asked about
    on a terminal; elsewhere it is refused unless --yes allows it. A trace not
    recorded here (nor a rerun of one that was not) is asked about the same
    way before the app runs with its answers, and each tool it chose after.

    Exit codes: 0 done, 1 a command of a script (--commands, piped) was a mistake,
    2 usage (a bad option, breakpoint, mock or key; a --mock that answered no call
    of a rerun that ran to its end; a fork that cannot be made; a rerun of code
    outside the project, a trace from elsewhere, or a tool it chose, not allowed),
    3 a trace that cannot be read.
    """
    _check_rerun_options(rerun, rerun_only, no_pager)
    if len(traces) > 1:
        raise UsageError("replay steps through one run at a time", hint="name one trace file or run id")
    check_stdin(traces, step, commands_file)
    if rerun:
        from .rerun_cmd import rerun as run_again  # noqa: PLC0415 - the app's launcher: only for --rerun

        sys.exit(run_again(traces[0] if traces else None, fmt, step, breaks, commands_file, mocks, mock_files, run_id,
                           strict, config_path, no_cache, no_progress, **rerun_only))
    env = Environment.current(warn, bars(not no_progress))
    sources, resolved = open_traces(TraceArgs(traces, False, False, config_path), env)
    timeline = load_run(sources[0], make_reader(strict, env, write_index=not no_cache), env, run_id, cache=not no_cache)
    engine = replay_engine(timeline, breaks, mocks, mock_files)
    sys.exit(_run(ReplaySession(engine), fmt, scripted(step, commands_file), step, commands_file, not no_pager,
                  resolved))


def _check_rerun_options(rerun_on: bool, given: dict[str, Any], no_pager: bool) -> None:
    """The rerun's options belong to --rerun: without it they would be ignored (and a fork's change belongs to
    --fork, which ops/rerun_fork.py says with --rerun); --no-pager would be ignored with it (a rerun's output, the
    app's among it, is never paged)."""
    if rerun_on and no_pager:
        raise UsageError("--no-pager does not apply to --rerun: a rerun's output is never paged",
                         hint="drop --no-pager")
    if rerun_on:
        return
    flags = {param.name: max(param.opts, key=len) for param in click.get_current_context().command.params}
    named = next((flags[name] for name in RERUN_ONLY if given.get(name)), None)
    if named:
        raise UsageError(f"{named} works only with --rerun", hint=f"add --rerun, or drop {named}")
    changed = next((flags[name] for name in FORK_ONLY if given.get(name)), None)
    if changed:
        raise UsageError(f"{changed} works only with --fork CALL", hint=f"add --fork CALL, or drop {changed}")


def _run(session: Any, fmt: str, scripted: bool, step: bool, commands_file: Path | None, page: bool,
         resolved: Any) -> int:
    from ..shell.replay_console import ReplayConsole  # noqa: PLC0415 - the shell, only when a replay runs

    out, err = console(), console(stderr=True)
    json_out = sys.stdout.buffer if fmt == "json" else None
    output = PagedOutput(out, page and json_out is None and not scripted and not step)
    try:
        if scripted:
            return ReplayConsole(session, out, err, json_out).scripted(command_lines(commands_file))
        if step:
            return ReplayConsole(session, out, err, json_out).interactive(history_path(resolved))
        return ReplayConsole(session, output, err, json_out).walk()
    except PagerClosed:
        return 0
    except BrokenPipeError:
        drop_stdout()
        return 1
    finally:
        output.close()
        session.engine.timeline.close()  # the trace files replay read events back from
