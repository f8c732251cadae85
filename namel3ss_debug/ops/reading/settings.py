"""What a pass reads with, as a value that pickles (`PassSettings`): stated once from a command's options
(`pass_settings`), and made back into the pass's options in this process or in a worker (`options_of`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from ...analysis.run_state import Options
from ...analysis.thresholds import Judging, Thresholds
from ...analysis.window import EventWindow
from ...checks.scan_parts import ScanRecipe


@dataclass(frozen=True)
class PassSettings:
    """What a read tallies its runs with: the pass's options (their callables made again where it runs, from the
    prices), the window, the sections, and how the runs are read."""

    slow_threshold_ms: float
    block_threshold_ms: float
    top: int
    thresholds: Thresholds
    window: EventWindow
    sections: tuple[str, ...]
    strict: bool
    index: bool  # write the offset sidecar beside a file read whole (not under --no-cache)
    file_prices: Optional[Mapping[str, Any]]
    price_overrides: Optional[Mapping[str, Any]]
    scan: Optional[ScanRecipe] = None  # `check`'s rules: each part's scan of one big run read in parts
    calls: bool = False  # `diff`'s: each part's calls recorded (`diffing/call_parts.py`)


def pass_settings(options: Options, sections: Iterable[str], *, strict: bool, window: EventWindow | None = None,
                  index: bool = True, file_prices: Optional[Mapping[str, Any]] = None,
                  price_overrides: Optional[Mapping[str, Any]] = None, scan: Optional[ScanRecipe] = None,
                  calls: bool = False) -> PassSettings:
    """The settings of a read whose pass has `options` (their thresholds and the diagnosis's) and keeps `sections`."""
    return PassSettings(options.slow_threshold_ms, options.block_threshold_ms, options.top, options.judging.thresholds,
                        window if window is not None else EventWindow(), tuple(sections), strict, index, file_prices,
                        price_overrides, scan, calls)


def options_of(settings: PassSettings) -> Options:
    """The pass's options again (before `analysis.analyze.equipped` gives them the pricer's callables)."""
    return Options(slow_threshold_ms=settings.slow_threshold_ms, block_threshold_ms=settings.block_threshold_ms,
                   top=settings.top, judging=Judging(settings.thresholds), sections=frozenset(settings.sections))
