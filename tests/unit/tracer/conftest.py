"""Fixtures for the tracer tests: an in-memory run with injected settings, and a clean tracer afterwards.

`capture` mirrors `namel3ss_debug.testing.capture_events`, but resolves settings from an empty environ
and an empty working directory, so neither the developer's `NAMEL3SS_DEBUG_*` variables nor the repo's
own `.namel3ss/debug.json` can change what a test sees.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import pytest

from namel3ss_debug.config import load_settings
from namel3ss_debug.testing.capture import CapturedRun, MemoryWriter
from namel3ss_debug.tracer.api import get_tracer


@pytest.fixture
def capture(tmp_path):
    """`with capture(**settings) as run:` traces the block into memory; `run.events` are the decoded lines."""

    @contextmanager
    def start(**overrides: Any) -> Iterator[CapturedRun]:
        resolved = load_settings({}, tmp_path, overrides={"enabled": True, **overrides}, override_source="test")
        writer = MemoryWriter()
        tracer = get_tracer()
        tracer.start_run(resolved, entry={"kind": "test", "name": "test"}, argv=[], writer=writer,
                         install_hooks=False, startup=False)
        try:
            yield CapturedRun(writer)
        finally:
            tracer.end_run()

    return start


@pytest.fixture(autouse=True)
def _no_run_left_active():
    yield
    get_tracer().end_run()
