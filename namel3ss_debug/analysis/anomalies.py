"""Anomaly triggers, each measured against the run itself rather than a fixed number where it can be, and each
with an absolute floor too, so that a ratio of small numbers is no alarm.

- latency: spans of an operation (with at least 5 timed spans) lasting over 2x its median and at least a tenth
  of `diagnose_latency_floor_ms` over it; critical when the slowest is 5x the median and at least the whole floor
  over it. A ratio alone fires on calls nobody waits for: on a loaded machine one 383 ms call among 45 ms ones
  is 8.5x its median. The floor's default, 1 s, is the response-time limit past which a wait breaks a user's
  flow of thought; its tenth, 100 ms, the limit under which a wait feels instant (Nielsen's limits). The
  excess over the median meets the floor, so the span itself lasts at least as long.
- error_spike: a window of the run (1/20 of its length, at least 1 s) where at least 3 spans failed and
  the failure rate is at least twice the run's and 20 points above it; critical when over half failed.
- memory_growth: memory_mb grew by at least 50 MB and 25% from the first sample to the last; critical at 100%.
- context_limit: an LLM call whose input tokens reach 90% of its model's context window (genai-prices).
- blocking: a span whose own time (its duration minus its children's) is over --block-threshold.

The other triggers have their floor already: an error spike needs 3 failed spans, memory growth 50 MB, a context
limit a share of a window of thousands of tokens, and blocking is an absolute time.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date as date_type
from math import ceil
from typing import Iterator, Mapping, Sequence

from .collectors.figures import SEQ_BITS, Bucket, Op
from .collectors.timing import BUCKET_SECONDS
from .records.refs import Ref
from .records.report import Anomaly
from .run_state import RunState
from .stats import op_label, percentile
from .tally import Tally
from .thresholds import CONTEXT_SHARE

LATENCY_FACTOR, LATENCY_CRITICAL, LATENCY_MIN_SPANS = 2.0, 5.0, 5
LATENCY_WARNING_SHARE = 0.1  # of the floor (`diagnose_latency_floor_ms`), the excess a warning needs
SPIKE_MIN_FAILED, SPIKE_WINDOWS = 3, 20
MEMORY_MIN_MB, MEMORY_MIN_SHARE = 50.0, 0.25


def find_anomalies(tally: Tally, ordered: Mapping[Op, Sequence[float]]) -> list[Anomaly]:
    """Every anomaly, critical first; `ordered` holds each operation's durations, sorted."""
    found = [*_latency(tally, ordered), *_error_spikes(tally), *_memory(tally), *_context(tally), *_blocking(tally)]
    order = {"critical": 0, "warning": 1}
    return sorted(found, key=lambda a: (order[a.severity], a.kind))


def human_ms(ms: float) -> str:
    """`850 ms`, `1.2 ms`, `2.50 s`, `3 m 05 s`: a duration for a message."""
    if ms < 1:
        return f"{ms:.3f} ms"
    if ms < 1000:
        return f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} m {seconds:02d} s"


def ref_of(tally: Tally, ref: int, span_id: str, component: str, name: str, kind: str | None = None) -> Ref:
    run = tally.runs[ref >> SEQ_BITS]
    return Ref(run.run_id, ref & ((1 << SEQ_BITS) - 1), span_id, component, name, kind)


def _latency(tally: Tally, ordered: Mapping[Op, Sequence[float]]) -> Iterator[Anomaly]:
    floor = tally.options.judging.thresholds.latency_floor_ms
    for (component, name, kind), durations in ordered.items():
        if len(durations) < LATENCY_MIN_SPANS:
            continue
        median = percentile(durations, 50)
        if not median:
            continue
        excess = LATENCY_WARNING_SHARE * floor
        limit = max(LATENCY_FACTOR * median, median + excess)
        over = len(durations) - bisect_right(durations, limit)
        if not over:
            continue
        times = tally.timing.ops[(component, name, kind)]
        value, ref, span_id = times.longest_ms, times.longest_ref, times.longest_span
        yield Anomaly("latency", latency_severity(value, median, floor),
                      f"{op_label(component, name, kind)}: {over} of {len(durations)} spans took over "
                      f"{LATENCY_FACTOR:g}x the median ({human_ms(median)})"
                      f"{f' and {human_ms(excess)} more' if excess else ''}; the slowest {human_ms(value)}",
                      round(value, 3), round(limit, 3), ref_of(tally, ref, span_id, component, name, kind))


def latency_severity(value: float, median: float, floor: float) -> str:
    """`critical` for a span of `value` ms at least 5x its operation's `median` and at least `floor` ms over it (a
    delay a user notices), else `warning`.

    >>> latency_severity(383, 45, 1000), latency_severity(5000, 100, 1000)
    ('warning', 'critical')
    """
    return "critical" if value >= LATENCY_CRITICAL * median and value - median >= floor else "warning"


def _error_spikes(tally: Tally) -> Iterator[Anomaly]:
    for run in tally.runs:
        yield from _spikes_in(run)


def _epoch(second: str, days: dict[str, int] = {}) -> int | None:  # noqa: B006 - a cache of dates seen
    """A bucket (`YYYY-MM-DDTHH:MM:SS` or a prefix of it) as seconds, without a datetime each; None if not a time."""
    second += "0000-01-01T00:00:00"[len(second):]
    try:
        date = second[:10]
        day = days.get(date)
        if day is None:
            day = days[date] = date_type.fromisoformat(date).toordinal() * 86400
        return day + int(second[11:13]) * 3600 + int(second[14:16]) * 60 + int(second[17:19])
    except ValueError:
        return None


def _spikes_in(run: RunState) -> Iterator[Anomaly]:
    if not run.seconds:
        return
    ended = sum(bucket.ended for bucket in run.seconds.values())
    failed = sum(bucket.failed for bucket in run.seconds.values())
    overall = failed / ended
    times = {second: t for second in run.seconds if (t := _epoch(second)) is not None}
    if not times:
        return
    start = min(times.values())
    bucket_s = BUCKET_SECONDS.get(run.bucket_chars, 1)
    width = max(bucket_s, ceil((max(times.values()) - start + bucket_s) / SPIKE_WINDOWS))
    windows: dict[int, Bucket] = {}
    for second, bucket in run.seconds.items():
        if second not in times:
            continue
        window = windows.setdefault(int((times[second] - start) // width), Bucket())
        window.ended += bucket.ended
        window.failed += bucket.failed
    for first, last, n, f in _spiking(windows, overall):
        began = min(s for s in times if int((times[s] - start) // width) == first)
        began += "0000-01-01T00:00:00"[len(began):]  # a coarse bucket is a prefix of a timestamp
        seconds = (last - first + 1) * width
        yield Anomaly("error_spike", "critical" if f / n > 0.5 else "warning",
                      f"run {run.run_id}: {f} of {n} spans failed in the {seconds} s from {began}Z "
                      f"({f / n:.0%}, against {overall:.0%} over the run)", round(f / n, 4), round(overall, 4))


def _spiking(windows: dict[int, Bucket], overall: float) -> Iterator[tuple[int, int, int, int]]:
    """Runs of adjacent spiking windows, merged: `(first window, last window, ended, failed)`."""
    current: tuple[int, int, int, int] | None = None
    for index, window in sorted(windows.items()):
        n, f = window.ended, window.failed
        share = f / n
        if f >= SPIKE_MIN_FAILED and share >= 2 * overall and share >= overall + 0.2:
            if current is not None and index == current[1] + 1:
                current = (current[0], index, current[2] + n, current[3] + f)
                continue
            if current is not None:
                yield current
            current = (index, index, n, f)
        elif current is not None:
            yield current
            current = None
    if current is not None:
        yield current


def _memory(tally: Tally) -> Iterator[Anomaly]:
    for run in tally.runs:
        memory = run.memory
        if memory is None:
            continue
        first, (last, seq) = memory.first[0], memory.last
        growth = last - first
        if growth >= MEMORY_MIN_MB and first > 0 and growth >= MEMORY_MIN_SHARE * first:
            yield Anomaly("memory_growth", "critical" if growth >= first else "warning",
                          f"run {run.run_id}: memory grew from {first:.0f} MB to {last:.0f} MB "
                          f"(+{growth / first:.0%}; peak {memory.peak[0]:.0f} MB)", round(growth, 3),
                          MEMORY_MIN_MB, Ref(run.run_id, seq, "", "", ""))


def _context(tally: Tally) -> Iterator[Anomaly]:
    near_limit = tally.anomalies.near_limit if tally.anomalies is not None else []
    for tokens, ref, model, name, span_id, window in sorted(near_limit, reverse=True):
        yield Anomaly("context_limit", "critical" if tokens >= window else "warning",
                      f"{model}: {tokens:,} input tokens, {tokens / window:.0%} of its {window:,}-token "
                      f"context window", tokens, CONTEXT_SHARE * window, ref_of(tally, ref, span_id, "llm", name))


def _blocking(tally: Tally) -> Iterator[Anomaly]:
    threshold = tally.options.block_threshold_ms
    blocking = tally.anomalies.blocking if tally.anomalies is not None else []
    for own_ms, ref, span_id, (component, name, kind) in sorted(blocking, reverse=True):
        yield Anomaly("blocking", "warning",
                      f"{op_label(component, name, kind)} ran {human_ms(own_ms)} outside any traced "
                      f"child (over {human_ms(threshold)})", round(own_ms, 3), threshold,
                      ref_of(tally, ref, span_id, component, name, kind))
