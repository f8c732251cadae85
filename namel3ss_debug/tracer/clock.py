"""Timestamps and identifiers, cheap enough to take on every event."""

from __future__ import annotations

import os
import time

_second_cache: tuple[int, str] = (-1, "")


def iso_now() -> str:
    """Wall-clock time, ISO 8601 UTC with microseconds: `2026-11-22T07:03:22.123456Z`."""
    global _second_cache
    micros = time.time_ns() // 1000
    second, fraction = divmod(micros, 1_000_000)
    cached_second, prefix = _second_cache
    if second != cached_second:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second_cache = (second, prefix)
    return f"{prefix}.{fraction:06d}Z"


def new_run_id() -> str:
    """Sortable by start time, unique, and safe in a file name: `20261122-070322-3f9a1c`."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + os.urandom(3).hex()


def span_id(n: int) -> str:
    """Span ids are 16 hex digits (OpenTelemetry's width), counted per run from 1."""
    return f"{n:016x}"
