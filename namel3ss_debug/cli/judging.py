"""What the shells of `verify` and `bisect` share: the `--expect` option, a progress line on stderr, and the
report on stdout (one JSON document, or Rich text).

    @expect_option
    def verify(..., expect: str | None, ...):
        expectation = parse_expect(expect)
        ... tell(trying(number, repeat)) ...
        show(report, fmt, verify_json, render_verify)
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

if TYPE_CHECKING:
    from ..judging.expect import Expectation

Report = TypeVar("Report")
Command = TypeVar("Command", bound=Callable[..., Any])


def expect_option(command: Command) -> Command:
    """`--expect RULE`: a rule on the run's final output, which a run that breaks it fails."""
    return click.option("--expect", "expect", metavar="RULE", help="A rule on the final output (the answer of "
                        "the last LLM call that completed): contains:TEXT, equals:TEXT or matches:REGEX (RE2). "
                        "A run whose final output breaks it failed.")(command)


def parse_expect(text: str | None) -> Expectation | None:
    """The --expect rule, or None without one; UsageError (exit 2) for a rule that cannot be read."""
    from ..judging.expect import Expectation  # noqa: PLC0415 - loads when the command runs

    return Expectation.parse(text) if text is not None else None


def tell(renderable: Any) -> None:
    """A progress line on stderr (stdout is the report's)."""
    from ..render.console import make_console  # noqa: PLC0415 - Rich: not for --help

    make_console(stderr=True).print(renderable, soft_wrap=True)


def show(report: Report, fmt: str, as_json: Callable[[Report], bytes], as_text: Callable[[Report], Any]) -> None:
    """The report on stdout: `as_json`'s document with --format json, else `as_text`'s Rich renderable."""
    if fmt == "json":
        sys.stdout.buffer.write(as_json(report))
        sys.stdout.buffer.flush()
        return
    from ..render.console import make_console  # noqa: PLC0415 - Rich: not for --help

    make_console().print(as_text(report), soft_wrap=True)
