"""Freed memory handed back between two big steps: on glibc by malloc_trim, elsewhere nothing."""

from __future__ import annotations

import sys

import pytest

from namel3ss_debug.ops import heap


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_pages_go_back_to_the_system_on_linux():
    def resident() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1])

    blocks = [bytearray(4096) for _ in range(20_000)]  # 80 MB of small blocks from the heap, not mmap'd alone
    del blocks[::2]
    before = resident()
    heap.give_back()
    assert heap._malloc_trim() is not None and resident() < before


def test_without_malloc_trim_nothing_is_done(monkeypatch):
    monkeypatch.setattr(heap.sys, "platform", "darwin")
    heap._malloc_trim.cache_clear()
    try:
        heap.give_back()
        assert heap._malloc_trim() is None
    finally:
        heap._malloc_trim.cache_clear()
