"""One exception family with structured fields; `cli/errors.py` turns it into a message and an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1  # a check failed, or the traced app / the command failed at run time
EXIT_USAGE = 2  # bad flags, bad configuration
EXIT_INVALID_TRACE = 3  # a trace that cannot be read


class Namel3ssDebugError(Exception):
    """Base of every error we report to the user.

    `where` is a location such as `trace.jsonl:1432` or `.namel3ss/debug.json:3:18`;
    `hint` says how to fix it.
    """

    exit_code = EXIT_FAILED

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled whole, whatever a subclass's constructor takes: a worker process's error is raised again, with
        its place and hint, in the process that asked (`ops/each_run.py`)."""
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(kind: type[Namel3ssDebugError], args: tuple[object, ...], fields: dict[str, object]) -> Namel3ssDebugError:
    error = kind.__new__(kind, *args)
    error.args = args
    error.__dict__.update(fields)
    return error


class UsageError(Namel3ssDebugError):
    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A bad configuration value: names the key, the value, what is expected and where it came from."""

    def __init__(
        self,
        message: str,
        *,
        key: str | None = None,
        value: object = None,
        expected: str | None = None,
        where: str | None = None,
        hint: str | None = None,
    ):
        super().__init__(message, where=where, hint=hint)
        self.key = key
        self.value = value
        self.expected = expected


class TraceError(Namel3ssDebugError):
    """A trace that cannot be read."""

    exit_code = EXIT_INVALID_TRACE
