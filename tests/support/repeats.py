"""A race tried several times over: the first attempt is in the fast set, the repeats are marked `slow`, so the
first verdict (the README's test command) tries the race once and the second step (`-m 'frameworks or browser
or slow'`) tries it the remaining times. Each assertion still runs in the fast set; only its repeats wait."""

from __future__ import annotations

from typing import Any

import pytest


def attempts(count: int) -> list[Any]:
    """The values 0 to `count - 1` for an `attempt` parameter: 0 as it is, the others marked `slow`."""
    return [0, *(pytest.param(number, marks=pytest.mark.slow) for number in range(1, count))]
