"""The one error translator: a Namel3ssDebugError becomes one line on stderr and its exit code."""

from __future__ import annotations

import errno

import click

from ..model.errors import Namel3ssDebugError, UsageError
from ..model.messages import error_line, warning_line


def report(error: Namel3ssDebugError) -> int:
    """Print `namel3ss-debug: error: <what> (<how to fix>)` and return the exit code."""
    click.echo(error_line(str(error)), err=True)
    return error.exit_code


def warn(message: str) -> None:
    click.echo(warning_line(message), err=True)


# What the system says of a path the user named: theirs to change (exit 2), not a failure of the run.
_PATH_ERRORS = {errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.EACCES, errno.EPERM,
                errno.EEXIST, errno.EROFS, errno.ENXIO}


def os_error(error: OSError) -> Namel3ssDebugError:
    """An OSError no command turned into a message of its own (a name too long, a loop of links, a full
    disk), as one of ours: the path and what the system said, never a traceback."""
    reason = error.strerror or str(error)
    text = f"{error.filename}: {reason}" if error.filename is not None else reason
    if error.errno in _PATH_ERRORS:
        return UsageError(text, hint="check the path, or name another")
    return Namel3ssDebugError(text)
