"""After Ctrl-C, `trace` reads the run for its summary only up to a size, and says why it did not (issue 97)."""

from __future__ import annotations

from namel3ss_debug.ops.trace import trace as trace_ops


def test_an_interrupted_run_over_the_size_is_not_read_and_the_note_names_analyze(tmp_path):
    first, second = tmp_path / "r.0000.jsonl", tmp_path / "r.0001.jsonl"
    for path in (first, second):  # sparse: the size, not the bytes, is what counts
        with open(path, "wb") as handle:
            handle.truncate(12 << 20)
    note = trace_ops._too_big_after_interrupt([first, second])
    assert note == (f"the run was interrupted and its trace is 24.0 MiB (over 16 MiB, the most read after Ctrl-C); "
                    f"read it with: namel3ss-debug analyze {first}")


def test_an_interrupted_run_at_the_size_is_read(tmp_path):
    path = tmp_path / "r.0000.jsonl"
    with open(path, "wb") as handle:
        handle.truncate(trace_ops.SUMMARY_AFTER_INTERRUPT_BYTES)
    assert trace_ops._too_big_after_interrupt([path, tmp_path / "gone.jsonl"]) is None
