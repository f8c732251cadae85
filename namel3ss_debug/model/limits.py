"""The ranges a number given by a user must fall in, and the bounds on the small JSON files we read.

Written once here, for the options that take them (`cli/`), the parsers behind them (`analysis.window`,
`checks.rules`), the configuration (`config.rules`) and the readers of JSON documents (`json_document`).
Each bound is far past any real use and well inside what the arithmetic after it can hold: a year fits
a `datetime` added to any run's start, 10^15 is exact in every JSON reader (doubles hold 2^53).
Stdlib only: traced applications import the configuration, which imports this.
"""

from __future__ import annotations

import math

DURATION_MAX_MS = 8760 * 3_600_000.0  # 8760h, a year: a duration option, a rule's latency, an offset
DURATION_RANGE = "0 to 8760h"
COUNT_MAX = 10**15  # a count of errors, tokens or calls in a rule; --limit; a seq number
COUNT_RANGE = f"from 0 to {COUNT_MAX} (10^15)"
USD_MAX = 1e12  # a cost limit in USD (existing bound: a trillion dollars)

JSON_DEPTH_MAX = 64  # nesting of the workspace file, a rules file or a prices file (they need 4 levels)
CONFIG_BYTES_MAX = 4 * 1024 * 1024  # the workspace file and a --prices file: 4 MiB
RULES_BYTES_MAX = 64 * 1024 * 1024  # a --rules file: 64 MiB, room for two million rules
SHOWN_CHARS = 40  # a user's text quoted in a message is cut here


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """`text` quoted for a message, cut to `limit` characters with the length said: a 5,000-digit number
    must not make the one line of an error 5,000 characters long."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def finite_at_most(value: float, high: float) -> bool:
    """A number in [0, high]: not NaN, not infinite, not negative."""
    return math.isfinite(value) and 0 <= value <= high


def mib(size: int) -> str:
    """`4 MiB`: a byte cap as a message says it."""
    return f"{size // (1024 * 1024)} MiB"
