"""The one error translator: a Namel3ssDebugError becomes one line on stderr and its exit code."""

from __future__ import annotations

import click

from ..model.errors import Namel3ssDebugError
from ..model.messages import error_line, warning_line


def report(error: Namel3ssDebugError) -> int:
    """Print `namel3ss-debug: error: <what> (<how to fix>)` and return the exit code."""
    click.echo(error_line(str(error)), err=True)
    return error.exit_code


def warn(message: str) -> None:
    click.echo(warning_line(message), err=True)
