"""The command line's one vocabulary: each option every command shares is defined here once, with one help text,
and a flag name means one thing everywhere (sqlite-utils' shared decorators, httpie's `cli/definition.py`).

    @click.command("analyze")
    @trace_options
    @format_option("table", "json", "markdown")
    @progress_option
    def analyze(..., fmt: str, no_progress: bool): ...

`trace_options` and `page_options` bundle what the reading commands and the report page's two commands take;
`reading_options` what `analyze` and `diagnose` take last.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..model.events import COMPONENTS
from ..model.limits import COUNT_MAX
from .suggest import Choice

Command = TypeVar("Command", bound=Callable[..., Any])

# What each output format is, said once: --format's help lists the command's own, in its order.
FORMATS = {
    "table": "for a terminal",
    "text": "for a terminal",
    "json": "for scripts, on stdout (messages, and an app's output, on stderr)",
    "jsonl": "one JSON object a line",
    "markdown": "for reports and pull-request comments",
    "github": "GitHub Actions annotations",
}


def _apply(command: Command, *decorators: Callable[[Any], Any]) -> Command:
    """`decorators` applied as if stacked above `command` in this order (the order --help lists them)."""
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def all_option(command: Command) -> Command:
    """`--all` (-> `all_runs`)."""
    return click.option("--all", "all_runs", is_flag=True, help="For a directory: every run in it (each on its own), "
                        "not just the newest.")(command)


def prices_option(command: Command) -> Command:
    """`--prices FILE` (-> `prices_path`)."""
    return click.option("--prices", "prices_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                        help='Model prices, USD per million tokens: {"gpt-4o": {"input": 2.5, "output": 10}}. Wins '
                             "over price_overrides and the genai-prices package.")(command)


def slow_option(command: Command) -> Command:
    """`--slow-threshold DURATION` (-> `slow_threshold`)."""
    return click.option("--slow-threshold", default="1s", show_default=True, metavar="DURATION",
                        help="Spans at least this long are slow (500ms, 1.5s, 2m; a bare number is ms).")(command)


def config_option(command: Command) -> Command:
    """`--config FILE` (-> `config_path`)."""
    return click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="FILE",
                        help="Workspace config to read instead of the .namel3ss/debug.json found from the working "
                             "directory upwards.")(command)


def format_option(*choices: str) -> Callable[[Command], Command]:
    """`--format` (-> `fmt`) among `choices`, the first the default."""
    return click.option("--format", "fmt", type=Choice(list(choices)), default=choices[0], show_default=True,
                        help="; ".join(f"{name} {FORMATS[name]}" for name in choices) + ".")


def _jobs_or_cores(context: click.Context, parameter: click.Parameter, value: int | None) -> int:
    """`--jobs` as given, else the cores this process may use (`ops/workers.cores`)."""
    from ..ops.workers import cores  # noqa: PLC0415 - only for a command that reads many runs, when it runs

    return value or cores()


JOBS_HELP = ("Read many runs at once in N worker processes, the answers in the runs' order (default: the cores "
             "this process may use; a few runs are read in this process whatever N is).")


def jobs_option(command: Command) -> Command:
    """`--jobs N` (-> `jobs`): worker processes for many runs at once, by default the cores."""
    return click.option("--jobs", type=click.IntRange(1, 256), default=None, metavar="N",
                        callback=_jobs_or_cores, help=JOBS_HELP)(command)


def parts_jobs_option(command: Command) -> Command:
    """`--jobs N` (-> `jobs`) of a command that also reads one big run in parts (`ops/reading/parts.py`)."""
    return click.option("--jobs", type=click.IntRange(1, 256), default=None, metavar="N",
                        callback=_jobs_or_cores,
                        help=JOBS_HELP + " One big run (32 MiB a process or more) is read in N parts at once, the "
                                         "answer the one a single process gives.")(command)


def sides_jobs_option(command: Command) -> Command:
    """`--jobs N` (-> `jobs`) of `diff`: its two runs read at once, or one big run alone in parts."""
    return click.option("--jobs", type=click.IntRange(1, 256), default=None, metavar="N",
                        callback=_jobs_or_cores,
                        help="Worker processes (default: the cores this process may use): with 2 or more, the "
                             "two runs (4 MiB or more each) are read at once, NEW in a worker process, and a big "
                             "run read alone (the other kept in the cache, or small) is read in N parts; 1: one "
                             "after the other, each whole. The answer and the warnings are the same.")(command)


def progress_option(command: Command) -> Command:
    """`--no-progress` (-> `no_progress`)."""
    return click.option("--no-progress", is_flag=True, help="No progress bar (it shows only on a terminal, while "
                        "a big input is read).")(command)


def pager_option(command: Command) -> Command:
    """`--no-pager` (-> `no_pager`)."""
    return click.option("--no-pager", is_flag=True, help="Never page. On a terminal, output taller than the "
                        "screen goes through $PAGER (default less, with LESS=FRX unless LESS is set).")(command)


def cache_option(command: Command) -> Command:
    """`--no-cache` (-> `no_cache`)."""
    return click.option("--no-cache", is_flag=True, help="Read afresh and keep nothing: no result read from or "
                        "kept in the cache directory, no offset index (FILE.idx) written beside a trace.")(command)


def strict_option(command: Command) -> Command:
    """`--strict` (-> `strict`)."""
    return click.option("--strict", is_flag=True,
                        help="An invalid line is an error (exit 3) instead of a warning.")(command)


def expect_option(command: Command) -> Command:
    """`--expect RULE` (-> `expect`): a rule on the run's final output, which a run that breaks it fails."""
    return click.option("--expect", "expect", metavar="RULE", help="A rule on the final output (the answer of the "
                        "last LLM call that completed): contains:TEXT, equals:TEXT or matches:REGEX (RE2). A run "
                        "whose final output breaks it failed (and diagnose blames it).")(command)


def output_option(file: bool = False) -> Callable[[Command], Command]:
    """`-o/--output` (-> `output`, a str): where a command writes; `file` refuses a directory (report's page)."""
    return click.option("-o", "--output", "output", type=click.Path(dir_okay=not file), metavar="PATH",
                        help="Where to write: the directory of traces (default: trace_output_dir), which clean "
                             "cleans; report's page (default: RUN_ID.html, or BASE_ID-vs-NEW_ID.html, here).")


def app_options(command: Command) -> Command:
    """`--cwd DIR` and `-y/--yes` (-> `cwd`, `allowed`) of the commands that run a recorded app again."""
    return _apply(command, click.option(
        "--cwd", "cwd", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
        help="Run the app in DIR instead of the recorded working directory (the recording's project-relative "
             "paths are resolved in DIR's project)."), click.option(
        "-y", "--yes", "allowed", is_flag=True,
        help="Run the app the trace names even when it is not plainly this project's (a module or script outside "
             "the working directory or --cwd), without asking; and rerun a trace not recorded here (another's, "
             "one edited since, or a rerun of either), letting it choose the arguments of tools that run for real; "
             "both are otherwise asked about (refused without a terminal). Read the trace first: this runs its "
             "code with its answers."))


def live_options(command: Command) -> Command:
    """What of a judged rerun may go live (`verify`, `bisect`): `--base-url`, `--live`, `--live-requests`."""
    return _apply(
        command,
        click.option("--base-url", "base_url", metavar="URL",
                     help="Where LLM calls the recording cannot answer go live (an OpenAI-, Anthropic-, Gemini- or "
                     "Ollama-compatible server, named without the API's path: a request keeps its own, such as "
                     "/v1/chat/completions; keys from the environment). Without it or --live, such a call stops "
                     "the run and is reported as a miss."),
        click.option("--live", "live_own", is_flag=True,
                     help="Send LLM calls the recording cannot answer where the app sends them, as a plain run "
                     "does (a real provider with your key, or a local model), said before the app runs and counted "
                     "after. Not with --base-url."),
        click.option("--live-requests", "live_requests", is_flag=True,
                     help="Let what the app's tools send that is no LLM call and that the recording does not have "
                     "(an HTTP call, a urllib request, a socket, a process they start: side effects) go out for "
                     "real; without it the network stays closed around them and such a request stops the run as a "
                     "miss. A request of a recorded client (httpx, requests, aiohttp) that the recording has is "
                     "answered from it either way."),
    )


def trace_options(command: Command) -> Command:
    """The options every reading command has, in the order --help shows them."""
    return _apply(
        command,
        click.argument("traces", nargs=-1, metavar="[TRACE]..."),
        all_option,
        strict_option,
        click.option("--since", metavar="TIME", help="Only events at or after TIME: ISO 8601 (UTC unless a zone "
                     "is given) or an offset from the run's start such as +30s."),
        click.option("--until", metavar="TIME", help="Only events before TIME (same forms as --since)."),
        click.option("--component", "components", multiple=True, metavar="NAME",
                     help=f"Only this component (repeatable): {', '.join(COMPONENTS)}."),
        config_option,
    )


def reading_options(command: Command) -> Command:
    """What `analyze` and `diagnose`, which read runs whole into a priced report, take after their own options."""
    return _apply(command, prices_option, cache_option, progress_option, pager_option)


def page_options(command: Command) -> Command:
    """What `report` and `view` both take to build the page: marks, cuts, prices, strictness, config."""
    return _apply(
        command,
        slow_option,
        click.option("--max-text", type=click.IntRange(0, COUNT_MAX), default=20_000, show_default=True, metavar="N",
                     help="Cut any string of the payloads longer than N characters, saying how much was cut "
                          "(0: keep all)."),
        prices_option,
        strict_option,
        config_option,
        cache_option,
    )


def rerun_options(command: Command) -> Command:
    """The options of `replay --rerun` alone (-> `match`, `on_miss`, `live_tools`, `output`, `fork`, `answer`,
    `ask`, `fork_model`, `offline`, `base_url`, `cwd`, `allowed`): cli/rerun_cmd.py takes them."""
    return _apply(
        command,
        click.option("--match", "match", type=Choice(["call", "inputs"]), default=None,
                     help="With --rerun: find a call's recorded twin by its place (call: component, name and "
                     "occurrence under its parent span; the default) or by its inputs."),
        click.option("--on-miss", type=Choice(["error", "live"]), default=None,
                     help="With --rerun: a call the recording has no result for stops the run with the nearest "
                     "recorded candidates (error, the default), or runs for real (live)."),
        click.option("--live-tools", is_flag=True, default=None,
                     help="With --rerun: run tool bodies for real (@trace_tool_call functions and the tools of "
                     "openai-agents, LangChain, pydantic-ai and MCP) instead of giving back their recorded "
                     "results; LLM calls are still answered from the recording."),
        output_option(),
        click.option("--fork", "fork", metavar="CALL",
                     help="With --rerun: keep the run up to CALL (component:name#N, as --mock names calls), change "
                     "that call with --answer, --ask or --model (with none of them: send it again as recorded, a "
                     "re-sample), and let the rest follow: later calls get their recorded answers only when they ask "
                     "exactly what was recorded, and LLM calls that do not run live."),
        click.option("--answer", metavar="VALUE|@FILE",
                     help="With --fork: what CALL returns. For an LLM request, a text or an assistant message "
                     "'{\"content\": ..., \"tool_calls\": [{\"name\": ..., \"arguments\": {...}}]}' (JSON; anything "
                     "else is taken as a text); for a decorated call, its result, as a mock's."),
        click.option("--ask", metavar="VALUE|@FILE",
                     help="With --fork: send CALL with these messages instead (a JSON list, in the call's own API's "
                     "form: the request's messages, input or contents)."),
        click.option("--model", "fork_model", metavar="NAME",
                     help="With --fork: CALL and every later LLM request ask for model NAME."),
        click.option("--offline", is_flag=True,
                     help="With --fork: never go live: stop at the first call whose request the recording does not "
                     "have, with the nearest recorded call (the network stays closed)."),
        click.option("--base-url", "base_url", metavar="URL",
                     help="With --fork: live LLM requests go to URL (its scheme, host and port, its path before the "
                     "request's) instead of their recorded origin; keys come from the environment."),
        app_options,
    )
