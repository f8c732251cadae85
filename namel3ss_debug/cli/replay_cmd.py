"""`namel3ss-debug replay TRACE`: step through a recorded run like pdb, with breakpoints and mocks.

A thin shell: read the run into a timeline, set the breakpoints and mocks given as options (a
mistake in one is a usage error, exit 2, before anything is shown), then hand the session to the
console: a terminal prompt (`--step` on a terminal), a script (`--commands FILE`, or `--step` with
commands piped in), or neither (every breakpoint stop, or the whole timeline).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable

import click

from ..model.errors import UsageError
from .errors import warn
from .options import (
    app_options,
    cache_option,
    config_option,
    format_option,
    output_option,
    pager_option,
    progress_option,
    strict_option,
)
from .suggest import Choice
from .output import BYTES, RENDERABLE, View, kept_stdout, show
from .progress import bars
from .questions import answered, consent

if TYPE_CHECKING:
    from ..launch.consent import Judgement
    from ..launch.recorded import Recorded
    from ..ops.environment import Environment
    from ..store.sources import RunSource

HISTORY_FILE = "replay_history"
RERUN_VIEWS = {"text": View("render.rerun.text:render_report", RENDERABLE),
               "json": View("render.rerun.rerun_json:report_json", BYTES)}
MAX_SCRIPT = 16 << 20


@click.command("replay", short_help="Step through a run like pdb, or --rerun the app offline from it.")
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
@click.option("--match", "match", type=Choice(["call", "inputs"]), default=None,
              help="With --rerun: find a call's recorded twin by its place (call: component, name and "
              "occurrence under its parent span; the default) or by its inputs.")
@click.option("--on-miss", type=Choice(["error", "live"]), default=None,
              help="With --rerun: a call the recording has no result for stops the run with the nearest "
              "recorded candidates (error, the default), or runs for real (live).")
@click.option("--live-tools", is_flag=True, default=None,
              help="With --rerun: run tool bodies for real (@trace_tool_call functions and the tools of "
              "openai-agents, LangChain, pydantic-ai and MCP) instead of giving back their recorded results; "
              "LLM calls are still answered from the recording.")
@output_option()
@click.option("--fork", "fork", metavar="CALL",
              help="With --rerun: keep the run up to CALL (component:name#N, as --mock names calls), change that "
              "call with --answer, --ask or --model (with none of them: send it again as recorded, a re-sample), "
              "and let the rest follow: later calls get their recorded answers only when they ask exactly what "
              "was recorded, and LLM calls that do not run live.")
@click.option("--answer", metavar="VALUE|@FILE",
              help="With --fork: what CALL returns. For an LLM request, a text or an assistant message "
              "'{\"content\": ..., \"tool_calls\": [{\"name\": ..., \"arguments\": {...}}]}' (JSON; anything "
              "else is taken as a text); for a decorated call, its result, as a mock's.")
@click.option("--ask", metavar="VALUE|@FILE",
              help="With --fork: send CALL with these messages instead (a JSON list, in the call's own API's "
              "form: the request's messages, input or contents).")
@click.option("--model", "fork_model", metavar="NAME",
              help="With --fork: CALL and every later LLM request ask for model NAME.")
@click.option("--offline", is_flag=True,
              help="With --fork: never go live: stop at the first call whose request the recording does not "
              "have, with the nearest recorded call (the network stays closed).")
@click.option("--base-url", "base_url", metavar="URL",
              help="With --fork: live LLM requests go to URL (its scheme, host and port, its path before the "
              "request's) instead of their recorded origin; keys come from the environment.")
@app_options
def replay(traces: tuple[str, ...], step: bool, breaks: tuple[str, ...], mocks: tuple[str, ...],
           mock_files: tuple[Path, ...], commands_file: Path | None, fmt: str, run_id: str | None, strict: bool,
           config_path: Path | None, no_pager: bool, no_cache: bool, no_progress: bool, rerun: bool, match: str | None,
           on_miss: str | None, live_tools: bool | None, cwd: Path | None, output: str | None, fork: str | None,
           answer: str | None, ask: str | None, fork_model: str | None, offline: bool, base_url: str | None,
           allowed: bool) -> None:
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
    on a terminal; elsewhere it is refused unless --yes allows it.

    Exit codes: 0 done, 1 a command of a script (--commands, piped) was a mistake,
    2 usage (a bad option, breakpoint, mock or key; a fork that cannot be made; a
    rerun of code outside the project, or a tool a trace from elsewhere chose, not
    allowed), 3 a trace that cannot be read.
    """
    from ..ops.environment import Environment  # noqa: PLC0415 - loads when the command runs
    from ..ops.traces import make_reader  # noqa: PLC0415 - loads when the command runs
    from ..store.sources import STDIN  # noqa: PLC0415 - loads when the command runs

    _check_rerun_options(rerun, {"--match": match, "--on-miss": on_miss, "--live-tools": live_tools, "--cwd": cwd,
                                "--output": output, "--fork": fork, "--yes": allowed}, no_pager)
    forked = _fork(fork, answer, ask, fork_model, offline, base_url, mocks or mock_files, on_miss)
    env = Environment.current(warn, bars(not no_progress))
    source, resolved = _one_run(traces, config_path, env, rerun)
    scripted = commands_file is not None or (step and not sys.stdin.isatty())
    commands_on_stdin = commands_file is None or str(commands_file) == STDIN
    if scripted and commands_on_stdin and STDIN in source.files:
        raise UsageError("standard input holds the trace, so it cannot hold the commands too",
                         hint="give the commands with --commands FILE")
    reader = make_reader(strict, env, write_index=not no_cache)
    if rerun:
        sys.exit(_rerun(source, reader, env, fmt, _stepper_factory(step, breaks, scripted, commands_file, resolved),
                        allowed, run_id=run_id, mocks=mocks, mock_files=mock_files, cwd=cwd, match=match or "call",
                        on_miss=on_miss or "error", live_tools=bool(live_tools), output=output,
                        config_path=config_path, cache=not no_cache, fork=forked))
    from ..ops.replay import load_run, replay_engine  # noqa: PLC0415 - slow to import: not for --help
    from ..replay.debugger import ReplaySession  # noqa: PLC0415 - slow to import: not for --help

    engine = replay_engine(load_run(source, reader, env, run_id, cache=not no_cache), breaks, mocks, mock_files)
    sys.exit(_run(ReplaySession(engine), fmt, scripted, step, commands_file, not no_pager, resolved))


def _check_rerun_options(rerun_on: bool, given: dict[str, Any], no_pager: bool) -> None:
    """--match, --on-miss, --live-tools, --cwd, --output and --yes belong to --rerun: without it they would be
    ignored; and --no-pager would be ignored with it (a rerun's output, the app's among it, is never paged)."""
    if rerun_on and no_pager:
        raise UsageError("--no-pager does not apply to --rerun: a rerun's output is never paged",
                         hint="drop --no-pager")
    named = [name for name, value in given.items() if value] if not rerun_on else []
    if named:
        raise UsageError(f"{named[0]} works only with --rerun", hint=f"add --rerun, or drop {named[0]}")


def _fork(call: str | None, answer: str | None, ask: str | None, model: str | None, offline: bool,
          base_url: str | None, mocked: Any, on_miss: str | None) -> Any:
    """The fork's plan (ops/rerun_fork.py), or None without --fork; a fork makes its one change alone."""
    from ..ops.rerun_fork import make_fork  # noqa: PLC0415 - loads when the command runs

    if call is not None and mocked:
        raise UsageError("--fork and --mock: a fork makes one change, at its call",
                         hint="give the call's answer with --answer, or drop --fork")
    if offline and on_miss == "live":
        raise UsageError("--offline and --on-miss live: an offline fork runs nothing live", hint="drop one of them")
    return make_fork(call, answer, ask, model, offline, base_url)


def _rerun(source: RunSource, reader: Any, env: Any, fmt: str, make_stepper: Any, allowed: bool,
           **options: Any) -> int:
    """Run the app again (ops/rerun.py), once allowed, then show its traceback, if any, and the report."""
    from ..ops.rerun import RerunOptions, rerun_app  # noqa: PLC0415 - slow to import: not for --help

    report_out = kept_stdout(fmt)
    stepper = (lambda recording: make_stepper(recording, report_out)) if make_stepper else None
    done = rerun_app(source, RerunOptions(reader=reader, app_stdout_to_stderr=fmt == "json", make_stepper=stepper,
                                          consent=consent(allowed, env), **options),
                     env, announcer(options["cwd"], allowed, source.label, env))
    if done.app_error is not None:
        from ..launch.app import app_traceback  # noqa: PLC0415 - slow to import: not for --help

        sys.stderr.write(app_traceback(done.app_error))
    show(done.report, fmt, RERUN_VIEWS, stdout=report_out)
    return done.exit_code


def announcer(cwd: Path | None, allowed: bool, where: str,
              env: Environment) -> Callable[[Recorded, str | None], None]:
    """What a command that runs a recorded app again (`replay --rerun`, `verify`, `bisect`) calls once it has
    found the app: allow it (`allow_rerun`) and say on stderr what runs."""
    from ..render.console import make_console  # noqa: PLC0415 - Rich: not for --help
    from ..render.rerun.text import announce  # noqa: PLC0415 - Rich: not for --help

    def allow_and_announce(recorded: Recorded, run_id: str | None) -> None:
        allow_rerun(recorded, cwd, allowed, where, env.warn)
        make_console(stderr=True).print(announce(recorded, run_id), soft_wrap=True)

    return allow_and_announce


def allow_rerun(recorded: Recorded, cwd: Path | None, allowed: bool, where: str, warn_of: Callable[[str], None],
                stdin: IO[str] | None = None, stderr: IO[str] | None = None) -> None:
    """Let the app run when it is plainly this project's (launch/consent.py), when --yes allows it, or when
    the user answers yes on a terminal; refuse it otherwise (UsageError, exit 2), before it runs. The project
    is the trace's own when the recording's paths were resolved in it, else --cwd, else the working directory."""
    from ..launch.consent import judge  # noqa: PLC0415 - loads when a rerun runs

    judgement = judge(recorded, recorded.project or (cwd if cwd is not None else Path.cwd()))
    if judgement.plain:
        return
    if allowed:
        warn_of(f"running code that is not plainly this project's app, as --yes allows ({judgement.why}): "
                f"{judgement.command}")
        return
    stdin, stderr = stdin or sys.stdin, stderr or sys.stderr
    if not (stdin.isatty() and stderr.isatty()):
        raise UsageError(f"not running the app this trace names, as it is not plainly this project's "
                         f"({judgement.why}): {judgement.command}", where=where,
                         hint="read the trace; to run it, add --yes, or answer the question on a terminal")
    if not confirm(judgement, stdin, stderr):
        raise UsageError("the app was not run: the answer was not yes", where=where,
                         hint="add --yes to run it without the question")


def confirm(judgement: Judgement, stdin: IO[str], stderr: IO[str]) -> bool:
    """Show what would run and why it is asked, then read the answer: yes only for `y` or `yes` (the
    default, Enter, end of input or Ctrl-C, is no)."""
    question = ("namel3ss-debug: this rerun would run code that is not plainly this project's app:\n"
                f"  why      {judgement.why}\n"
                f"  command  {judgement.command}\n"
                "Run it? [y/N] ")
    return answered(question, stdin, stderr) in ("y", "yes")


def _stepper_factory(step: bool, breaks: tuple[str, ...], scripted: bool, commands_file: Path | None,
                     resolved: Any) -> Any:
    """What makes the rerun's console, or None when the rerun runs straight through (no --step,
    --break or --commands)."""
    if not (step or breaks or commands_file is not None):
        return None
    lines = _command_lines(commands_file) if scripted else None

    def make(recording: Any, json_out: Any) -> Any:
        from ..render.console import make_console  # noqa: PLC0415 - Rich, only when a rerun steps
        from ..shell.rerun_console import RerunConsole  # noqa: PLC0415 - the shell, only when a rerun steps

        return RerunConsole(make_console(), make_console(stderr=True), step=step or lines is not None,
                            breakpoints=list(breaks),
                            lines=lines, interactive=step and not scripted, json_out=json_out, recording=recording,
                            history=_history_path(resolved))

    return make


def _one_run(traces: tuple[str, ...], config_path: Path | None, env: Environment,
             rerun: bool) -> tuple[RunSource, Any]:
    """The run named; with --rerun and no TRACE, the newest run that is no rerun, said on stderr."""
    from ..ops.traces import TraceArgs, open_traces  # noqa: PLC0415 - loads when the command runs

    if len(traces) > 1:
        raise UsageError("replay steps through one run at a time", hint="name one trace file or run id")
    if rerun and not traces:
        from ..launch.shown import shown  # noqa: PLC0415 - loads when a rerun runs
        from ..ops.rerun_pick import newest_recording  # noqa: PLC0415 - loads when a rerun runs

        picked, resolved = newest_recording(TraceArgs((), False, False, config_path), env)
        aside = f", {picked.passed_over} newer rerun(s) left aside" if picked.passed_over else ""
        label = os.path.relpath(picked.source.label) if picked.source.label.startswith(os.getcwd() + os.sep) \
            else picked.source.label
        click.echo(f"namel3ss-debug: no TRACE given: rerunning run {shown(picked.run_id or '?')} "
                   f"({shown(label)}), the newest that is not a rerun{aside}", err=True)
        return picked.source, resolved
    sources, resolved = open_traces(TraceArgs(traces, False, False, config_path), env)
    return sources[0], resolved


def _run(session: Any, fmt: str, scripted: bool, step: bool, commands_file: Path | None, page: bool,
         resolved: Any) -> int:
    from ..render.console import make_console  # noqa: PLC0415 - Rich, only when a replay runs
    from ..shell.replay_console import ReplayConsole  # noqa: PLC0415 - the shell, only when a replay runs
    from .pager import Output, PagerClosed, drop_stdout  # noqa: PLC0415 - the pager, only when a replay runs

    console, err = make_console(), make_console(stderr=True)
    json_out = sys.stdout.buffer if fmt == "json" else None
    output = Output(console, page and json_out is None and not scripted and not step)
    try:
        if scripted:
            return ReplayConsole(session, console, err, json_out).scripted(_command_lines(commands_file))
        if step:
            return ReplayConsole(session, console, err, json_out).interactive(_history_path(resolved))
        return ReplayConsole(session, output, err, json_out).walk()
    except PagerClosed:
        return 0
    except BrokenPipeError:
        drop_stdout()
        return 1
    finally:
        output.close()
        session.engine.timeline.close()  # the trace files replay read events back from


def _command_lines(path: Path | None) -> list[str]:
    """The script's lines (split at newlines only: a U+2028 inside a mock's JSON stays in its line)."""
    from ..store.sources import STDIN  # noqa: PLC0415 - loads when the command runs

    where = "standard input" if path is None or str(path) == STDIN else str(path)
    try:
        if where == "standard input":
            data = sys.stdin.buffer.read(MAX_SCRIPT + 1)
        else:
            with open(path, "rb") as handle:  # type: ignore[arg-type]
                data = handle.read(MAX_SCRIPT + 1)
        if len(data) > MAX_SCRIPT:
            raise UsageError(f"the commands in {where} are over {MAX_SCRIPT >> 20} MB",
                             hint="a script is a few console commands, one a line")
        text = data.decode("utf-8")
    except OSError as error:
        raise UsageError(f"cannot read commands from {where}: {error.strerror or error}",
                         hint="give a text file of console commands, one a line") from None
    except UnicodeDecodeError as error:
        raise UsageError(f"the commands in {where} are not UTF-8 (byte {error.start})",
                         hint="save the script as UTF-8") from None
    lines = [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]
    return lines[:-1] if lines and not lines[-1] else lines  # the newline ending the last line ends it


def _history_path(resolved: Any) -> Path:
    """Kept per workspace: beside `.namel3ss/debug.json`, or in `.namel3ss/` of the working directory."""
    if resolved.workspace_file is not None:
        return resolved.workspace_file.parent / HISTORY_FILE
    return Path.cwd() / ".namel3ss" / HISTORY_FILE
