"""Every option of every command given hostile values: no traceback, a documented exit code, one error
line, within bounds.

The options are read from the commands themselves (click's parameters), so an option added later is in the
corpus without a line here; the test below fails if a command has no valid invocation to put them in. Each
value goes into that invocation (replacing the option where the invocation has it). Values: optionvalues.py.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Callable

import click
import pytest
from drivers import free_port, page_driver
from harness import invoke
from judge import assert_sound
from optionvalues import values_for
from workspaces import Workspace, make_workspace

from namel3ss_debug.cli.main import cli

VALUES_PER_OPTION = 7

# Options whose values are not plain text to click but have a syntax of their own (the rest go by click type).
KIND_OF = {
    "--since": "time", "--until": "time", "--slow-threshold": "duration", "--block-threshold": "duration",
    "--lookback": "duration", "--max-duration": "duration", "--max-p95": "target_duration",
    "--max-p99": "target_duration", "--max-latency": "target_duration", "--max-component-errors": "target_count",
    "--max-category-errors": "target_count", "--require": "spec_count", "--require-order": "order",
    "--forbid": "spec", "--fail-on": "fail_on", "--mock": "mock", "--break": "break", "--header": "header",
    "--endpoint": "endpoint", "--event": "event", "--causality": "event", "--span": "id", "--run": "id",
    "--journey": "id", "--agent": "id", "--flow": "id", "--name": "pattern", "--type": "pattern", "--grep": "pattern",
    "--component": "word", "--filter": "word", "--status": "word", "--event-type": "word", "--section": "word",
    "--max-errors": "int", "--max-tokens": "int", "--max-llm-calls": "int", "--max-tool-calls": "int",
    "--max-cost": "float", "--timeout": "float", "--input": "json", "-m": "module", "--output": "path",
}


def _view(w: Workspace) -> tuple[list[str], Any]:
    port = free_port()
    return ["view", "--no-browser", "--port", str(port), w.run], page_driver(port, seconds=3.0)


# A valid invocation of each command (and what drives it while it runs, for view).
INVOCATIONS: dict[str, Callable[[Workspace], tuple[list[str], Any]]] = {
    "analyze": lambda w: (["analyze", "--no-pager", w.run], None),
    "diagnose": lambda w: (["diagnose", "--no-pager", w.run], None),
    "runs": lambda w: (["runs", "--no-pager", "traces"], None),
    "inspect": lambda w: (["inspect", "--no-pager", w.run], None),
    "replay": lambda w: (["replay", "--commands", "-", w.run], None),
    "check": lambda w: (["check", w.run], None),
    "diff": lambda w: (["diff", w.run, w.other], None),
    "report": lambda w: (["report", "--output", "out.html", w.run], None),
    "view": _view,
    "export": lambda w: (["export", "--to", "otlp-json", w.run, "out.otlp.jsonl"], None),
    "redact": lambda w: (["redact", w.run], None),
    "clean": lambda w: (["clean", "--dry-run", "--output", "traces"], None),
    "trace": lambda w: (["trace", "-q", "--output", "out", "app.py"], None),
    "verify": lambda w: (["verify", "--yes", w.run], None),
    "bisect": lambda w: (["bisect", "--answers", "file", "--yes", w.run], None),
    "golden status": lambda w: (["golden", "status", "."], None),
    "config show": lambda w: (["config", "show"], None),
    "config init": lambda w: (["config", "init", "--path", "fresh"], None),
    "config validate": lambda w: (["config", "validate"], None),
}
OTLP_ONLY = {"--endpoint", "--protocol", "--header", "--timeout"}


def commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    found = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", command.get_command(ctx, sub)) for sub in command.list_commands(ctx)]
        else:
            found.append((name, command))
    return found


def value_options(command: click.Command) -> list[click.Option]:
    return [param for param in command.params if isinstance(param, click.Option) and not param.is_flag
            and not param.count and param.name != "help"]


def kind_of(option: click.Option) -> str:
    flag = max(option.opts, key=len)
    if flag in KIND_OF:
        return KIND_OF[flag]
    if isinstance(option.type, (click.IntRange, type(click.INT))):
        return "int"
    if isinstance(option.type, (click.FloatRange, type(click.FLOAT))):
        return "float"
    if isinstance(option.type, click.Path):
        return "path"
    return "word"


def _cases() -> list[Any]:
    cases = []
    for name, command in commands():
        for option in value_options(command):
            flag = max(option.opts, key=len)
            rng = random.Random(f"{name} {flag}")
            for n, value in enumerate(values_for(kind_of(option), rng, VALUES_PER_OPTION)):
                cases.append(pytest.param(name, flag, value, id=f"{name.replace(' ', '-')}{flag}-{n}"))
    return cases


def test_every_command_has_an_invocation_to_put_its_options_in() -> None:
    assert sorted(name for name, _ in commands()) == sorted(INVOCATIONS)


def with_option(argv: list[str], name: str, flag: str, value: str, aliases: tuple[str, ...]) -> list[str]:
    """`argv` with `flag VALUE` in place of the option where argv has it, else right after the command."""
    words = len(name.split())
    head, rest = argv[:words], argv[words:]
    for n, word in enumerate(rest):
        if word in aliases and n + 1 < len(rest):
            return head + rest[:n] + [flag, value] + rest[n + 2:]
    return head + [flag, value] + rest


@pytest.mark.parametrize(("name", "flag", "value"), _cases())
def test_an_option_with_a_hostile_value(workspace: Path, receivers: dict[str, str], name: str, flag: str,
                                        value: str) -> None:
    w = make_workspace(workspace)
    argv, driver = INVOCATIONS[name](w)
    if name == "export" and flag in OTLP_ONLY:
        argv = ["export", "--to", "otlp", "--endpoint", receivers["http"], "--timeout", "2", w.run]
    option = next(option for option in value_options(dict(commands())[name]) if flag in option.opts)
    argv = with_option(argv, name, flag, value, tuple(option.opts))
    stdin = "c\nq\n" if name == "replay" else None
    assert_sound(invoke(argv, stdin=stdin, driver=driver))
