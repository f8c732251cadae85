"""RSS sampling for `capture_memory`, with psutil imported only when asked for."""

from __future__ import annotations

import time


class MemorySampler:
    """Resident set size in MB, sampled at most every `interval_s` (a sample costs ~10 µs)."""

    def __init__(self, interval_s: float = 0.05):
        import psutil  # noqa: PLC0415 - lazily: an app that does not capture memory never imports it

        self._process = psutil.Process()
        self._interval_ns = int(interval_s * 1e9)
        self._last_ns = -self._interval_ns
        self._last_mb = 0.0

    def sample(self) -> float:
        now = time.monotonic_ns()
        if now - self._last_ns >= self._interval_ns:
            self._last_mb = round(self._process.memory_info().rss / 1048576, 2)
            self._last_ns = now
        return self._last_mb


def make_sampler() -> MemorySampler | None:
    try:
        return MemorySampler()
    except Exception:  # psutil missing or unsupported here: trace without memory
        return None
