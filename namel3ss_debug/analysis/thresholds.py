"""Each rule's threshold, with its default and the config key that tunes it (`config.Settings`); `latency_floor_ms`
is `analyze`'s latency anomaly's (`anomalies.py`), which reaches the pass with the others.

The pass (`tally.py`, its collectors) and the diagnosis (`diagnosis/`) both import this module, which imports
neither: the pass hands `Judging` to the diagnosis without importing its rules.

A threshold is where a rule stops being sure: below it the pattern happens in healthy runs too. The defaults
are chosen for precision: a wrong finding costs more trust than a missed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..config import Settings

_DEFAULT = Settings()  # each default is the config key's (`config.Settings`), written once there

MAX_EVIDENCE = 6  # evidence items a finding lists (the first ones, then the last)
MAX_AGENT_STEPS = 4096  # steps kept of one agent execution; the rest are counted
CONTEXT_SHARE = 0.9  # an LLM call this close to its model's context window is `analyze`'s anomaly


@dataclass(frozen=True)
class Thresholds:
    tool_failures: int = _DEFAULT.diagnose_tool_failures  # same tool, same error type, this many times in one agent
    missing_tool_asks: int = _DEFAULT.diagnose_missing_tool_asks  # answers asking for a tool the app does not have
    loop_repeats: int = _DEFAULT.diagnose_loop_repeats  # the same call (or answers repeated) this many times
    handoff_cycles: int = _DEFAULT.diagnose_handoff_cycles  # A->B->A round trips with no new tool result or answer
    context_share: float = _DEFAULT.diagnose_context_share  # a prompt this share of the model's window
    growth_turns: int = _DEFAULT.diagnose_growth_turns  # LLM calls in a row each with more prompt tokens
    backoff_ms: float = _DEFAULT.diagnose_backoff_ms  # a retry started sooner than this after the failure
    rate_limit_burst: int = _DEFAULT.diagnose_rate_limit_burst  # rate-limit errors within `burst_window_ms`
    burst_window_ms: float = _DEFAULT.diagnose_burst_window_ms
    min_saving_ms: float = _DEFAULT.diagnose_min_saving_ms  # time a parallel run or a cache must save to be said
    dominant_share: float = _DEFAULT.diagnose_dominant_share  # one call's or model's share of cost or latency
    slow_tool_share: float = _DEFAULT.diagnose_slow_tool_share  # a tool's share of the critical path
    # what a span must take over its operation's median for `analyze`'s latency anomaly to be critical
    latency_floor_ms: float = _DEFAULT.diagnose_latency_floor_ms


@dataclass(frozen=True)
class Judging:
    """What every rule is given besides the steps: the thresholds and the models' context windows."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    context_window: Callable[[str], int | None] = lambda model: None


# The config key of each field, for `--help`, the docs and a finding's `setting`.
SETTINGS = {
    "tool_failures": "diagnose_tool_failures",
    "missing_tool_asks": "diagnose_missing_tool_asks",
    "loop_repeats": "diagnose_loop_repeats",
    "handoff_cycles": "diagnose_handoff_cycles",
    "context_share": "diagnose_context_share",
    "growth_turns": "diagnose_growth_turns",
    "backoff_ms": "diagnose_backoff_ms",
    "rate_limit_burst": "diagnose_rate_limit_burst",
    "burst_window_ms": "diagnose_burst_window_ms",
    "min_saving_ms": "diagnose_min_saving_ms",
    "dominant_share": "diagnose_dominant_share",
    "slow_tool_share": "diagnose_slow_tool_share",
    "latency_floor_ms": "diagnose_latency_floor_ms",
}


def thresholds_from(settings: Settings) -> Thresholds:
    """The thresholds the settings give (`diagnose_*` keys: the workspace file, `NAMEL3SS_DEBUG_DIAGNOSE_*`)."""
    return Thresholds(**{name: getattr(settings, key) for name, key in SETTINGS.items()})
