"""The one error translator: a Namel3ssDebugError becomes one line on stderr and its exit code."""

from __future__ import annotations

import click

from ..model.errors import Namel3ssDebugError
from ..render.text import visible


def report(error: Namel3ssDebugError) -> int:
    """Print `namel3ss-debug: error: <what> (<how to fix>)` and return the exit code."""
    click.echo(f"namel3ss-debug: error: {visible(str(error))}", err=True)
    return error.exit_code


def warn(message: str) -> None:
    click.echo(f"namel3ss-debug: warning: {visible(message)}", err=True)
