"""A rate measured from a few tries, with its 95% interval: how much a handful of passes can tell.

The Wilson score interval (Wilson, 1927), which stays inside [0, 1] and says something at 0 or n passes, where
the normal approximation says nothing: 0 passes of 3 still allows a true rate up to 56%.

    >>> wilson(0, 3)
    (0.0, 0.5615)
    >>> wilson(3, 3)
    (0.4385, 1.0)
"""

from __future__ import annotations

from math import sqrt

Z95 = 1.959964  # the normal quantile of a two-sided 95% interval


def wilson(passes: int, tries: int) -> tuple[float, float]:
    """The 95% interval of a rate seen as `passes` of `tries`, rounded to 4 places; (0, 1) for no tries."""
    if tries <= 0:
        return 0.0, 1.0
    rate = passes / tries
    z2 = Z95 * Z95
    centre = (rate + z2 / (2 * tries)) / (1 + z2 / tries)
    half = Z95 * sqrt(rate * (1 - rate) / tries + z2 / (4 * tries * tries)) / (1 + z2 / tries)
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)
