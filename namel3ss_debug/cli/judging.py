"""The `--expect` rule of `verify` and `bisect`, read before anything runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..judging.expect import Expectation


def parse_expect(text: str | None) -> Expectation | None:
    """The --expect rule, or None without one; UsageError (exit 2) for a rule that cannot be read."""
    from ..judging.expect import Expectation  # noqa: PLC0415 - loads when the command runs

    return Expectation.parse(text) if text is not None else None
