"""`namel3ss-debug config show|init|validate`: thin shells over `namel3ss_debug.config`."""

from __future__ import annotations

from pathlib import Path

import click

from .suggest import Choice, SuggestingGroup


@click.group("config", cls=SuggestingGroup, short_help="Show, create and check the configuration.")
def config() -> None:
    """Show, create and check the debugger's configuration.

    Settings live in the workspace file .namel3ss/debug.json, found from the working
    directory upwards (--config PATH names another). Every key can also be set by an
    environment variable: buffer_size is NAMEL3SS_DEBUG_BUFFER_SIZE.

    Precedence, highest first: command-line flags > NAMEL3SS_DEBUG_* variables >
    the workspace file > built-in defaults.
    """


@config.command("show")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Read this file instead of the one found from the working directory.",
)
@click.option(
    "--format", "fmt", type=Choice(["table", "json"]), default="table", show_default=True, help="Output format."
)
def show(config_path: Path | None, fmt: str) -> None:
    """Print every key's effective value and where it came from.

    \b
    Examples:
      namel3ss-debug config show
      NAMEL3SS_DEBUG_ENABLED=1 namel3ss-debug config show --format json
    """
    from ..ops.config import show_settings  # noqa: PLC0415 - loads when the command runs
    from ..ops.environment import Environment  # noqa: PLC0415 - loads when the command runs
    from ..render.config import render_show_json, show_record  # noqa: PLC0415 - loads when the command runs

    record = show_record(show_settings(config_path, Environment.current()))
    if fmt == "json":
        click.echo(render_show_json(record))  # the warnings are inside the document
        return
    from ..render.config import render_show_table, render_warnings  # noqa: PLC0415 - Rich only for a table
    from ..render.console import make_console  # noqa: PLC0415 - Rich only for a table

    render_show_table(make_console(), record)
    render_warnings(make_console(stderr=True), record["warnings"])


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
    from ..ops.config import init_config  # noqa: PLC0415 - loads when the command runs
    from ..ops.environment import Environment  # noqa: PLC0415 - loads when the command runs

    from ..render.event_text import one_line  # noqa: PLC0415 - loads when the command runs

    click.echo(f"wrote {one_line(str(init_config(path, force, Environment.current())))}")


@config.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def validate(path: Path | None) -> None:
    """Check a config file for errors and unknown keys (its `checks` section too).

    Prints "ok: PATH" (exit 0), or the first error (exit 2); warnings go to stderr.
    PATH defaults to the .namel3ss/debug.json found from the working directory upwards.
    Only the file is checked; NAMEL3SS_DEBUG_* variables are ignored here.
    """
    from ..ops.config import validate_config  # noqa: PLC0415 - loads when the command runs
    from ..ops.environment import Environment  # noqa: PLC0415 - loads when the command runs
    from ..render.config import render_warnings  # noqa: PLC0415 - loads when the command runs
    from ..render.console import make_console  # noqa: PLC0415 - loads when the command runs

    checked = validate_config(path, Environment.current())
    render_warnings(make_console(stderr=True), checked.warnings)
    click.echo(f"ok: {checked.path}")
