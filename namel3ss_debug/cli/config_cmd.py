"""`namel3ss-debug config show|init|validate`: thin shells over `namel3ss_debug.config`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .options import config_option, format_option
from .output import DRAWS, TEXT, View, console, show
from .suggest import SuggestingGroup
from ..ops.config import show_settings, init_config, validate_config
from ..ops.environment import Environment


def _show_table(out: Any, record: dict[str, Any]) -> None:
    """The table on stdout and its warnings on stderr (the JSON document holds them)."""
    from ..render.config import render_show_table, render_warnings  # noqa: PLC0415 - Rich only for a table

    render_show_table(out, record)
    render_warnings(console(stderr=True), record["warnings"])


VIEWS = {"table": View(_show_table, DRAWS), "json": View("render.config:render_show_json", TEXT, "\n")}


@click.group("config", cls=SuggestingGroup)
def config() -> None:
    """Show, create and check the debugger's configuration.

    Settings live in the workspace file .namel3ss/debug.json, found from the working
    directory upwards (--config PATH names another). Every key can also be set by an
    environment variable: buffer_size is NAMEL3SS_DEBUG_BUFFER_SIZE.

    Precedence, highest first: command-line flags > NAMEL3SS_DEBUG_* variables >
    the workspace file > built-in defaults.
    """


@config.command("show")
@config_option
@format_option("table", "json")
def show_config(config_path: Path | None, fmt: str) -> None:
    """Print every key's effective value and where it came from.

    \b
    Examples:
      namel3ss-debug config show
      NAMEL3SS_DEBUG_ENABLED=1 namel3ss-debug config show --format json
    """
    from ..render.config import show_record  # noqa: PLC0415 - Rich: not for --help

    show(show_record(show_settings(config_path, Environment.current())), fmt, VIEWS)


@config.command("init")
@click.option(
    "--path",
    type=click.Path(path_type=Path),
    help="File to write, or a directory to write .namel3ss/debug.json under (default: the working directory).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path | None, force: bool) -> None:
    """Write a starter .namel3ss/debug.json.

    Every key is written at its default; tracing stays off ("enabled": false) until you turn it on.
    """
    from ..render.event_text import one_line  # noqa: PLC0415 - Rich: not for --help

    click.echo(f"wrote {one_line(str(init_config(path, force, Environment.current())))}")


@config.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def validate(path: Path | None) -> None:
    """Check a config file for errors and unknown keys (its `checks` section too).

    Prints "ok: PATH" (exit 0), or the first error (exit 2); warnings go to stderr.
    PATH defaults to the .namel3ss/debug.json found from the working directory upwards.
    Only the file is checked; NAMEL3SS_DEBUG_* variables are ignored here.
    """
    from ..render.config import render_warnings  # noqa: PLC0415 - Rich: not for --help

    checked = validate_config(path, Environment.current())
    render_warnings(console(stderr=True), checked.warnings)
    click.echo(f"ok: {checked.path}")
