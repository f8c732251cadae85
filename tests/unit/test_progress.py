"""The analyze progress bar: bytes counted always, a bar only for big inputs on a terminal."""

from __future__ import annotations

from namel3ss_debug.cli import progress as progress_module
from namel3ss_debug.cli.progress import ByteProgress
from namel3ss_debug.store.sources import RunSource


def test_bytes_are_counted_without_a_bar_when_stderr_is_not_a_terminal(tmp_path):
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"x" * 100)
    bar = ByteProgress.for_sources([RunSource("r", (str(path),))])
    with bar:
        bar.advance(60)
        bar.advance(40)
    assert (bar.enabled, bar.done, bar.total) == (False, 100, 100)


def test_a_bar_only_for_big_inputs_of_known_size_on_a_terminal(monkeypatch):
    monkeypatch.setattr(progress_module.sys.stderr, "isatty", lambda: True)
    big = progress_module.MIN_BYTES
    assert ByteProgress(big, enabled=True).enabled is True
    assert ByteProgress(big - 1, enabled=True).enabled is False
    assert ByteProgress(None, enabled=True).enabled is False  # standard input: no size to measure against
    assert ByteProgress(big, enabled=False).enabled is False  # --no-progress
