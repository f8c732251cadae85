"""A run that can be read again keeps where each call's start is, and a diff fingerprints the inputs of the few
changed outputs it shows from there: its answers are those of a run whose every call's inputs were
fingerprinted as it was read (standard input, `.gz`), and a start that is no longer where it was gives no
answer rather than a wrong one."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from support.tracefactory import random_calls_run

from namel3ss_debug.diffing.call_table import INPUTS_AT_START, INPUTS_HASHED
from namel3ss_debug.diffing.compare import diff_runs
from namel3ss_debug.diffing.previews import inputs_fingerprint
from namel3ss_debug.diffing.profile import RunProfile, profile_lines, profile_run
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource


def written(path: Path, seed: int) -> RunSource:
    events = random_calls_run(random.Random(seed), (30, 90))
    path.write_bytes(b"".join(json.dumps(event).encode() + b"\n" for event in events))
    return RunSource(str(path), (str(path),))


def profile(source: RunSource, *, typed: bool, rereadable: bool) -> RunProfile:
    reader = TraceReader(ReadProblems(strict=False, on_warning=lambda message: None))
    if typed:
        return profile_lines(source, reader.line_blocks(source), problems=reader.problems, rereadable=rereadable)
    return profile_run(source, reader.events(source), problems=reader.problems, rereadable=rereadable)


def test_a_run_read_again_keeps_where_its_starts_are_and_one_that_cannot_keeps_fingerprints(tmp_path) -> None:
    source = written(tmp_path / "run.jsonl", 1)
    again = profile(source, typed=True, rereadable=True).calls.calls
    kept = profile(source, typed=True, rereadable=False).calls.calls
    assert INPUTS_AT_START in again.has_inputs and INPUTS_HASHED not in again.has_inputs
    assert INPUTS_HASHED in kept.has_inputs and INPUTS_AT_START not in kept.has_inputs
    lines = Path(source.files[0]).read_bytes()
    for read_again, fingerprinted in zip(again, kept):
        assert inputs_fingerprint(read_again) == inputs_fingerprint(fingerprinted) == fingerprinted.inputs_hash
        if read_again.inputs_place is not None:
            assert read_again.inputs_hash is None
            start = lines[read_again.inputs_place[1]:].split(b"\n", 1)[0]
            assert json.loads(start)["seq"] == read_again.seq and '"inputs"' in start.decode()


@pytest.mark.parametrize("typed", [True, False])
def test_a_diff_tells_changed_inputs_the_same_whether_they_were_read_again_or_kept(tmp_path, typed) -> None:
    told: set[bool | None] = set()
    for seed in range(30):
        base, new = written(tmp_path / f"base{seed}.jsonl", seed), written(tmp_path / f"new{seed}.jsonl", seed + 100)
        reports = [diff_runs(profile(base, typed=typed, rereadable=rereadable),
                             profile(new, typed=typed, rereadable=rereadable), outputs_shown=1000)
                   for rereadable in (True, False)]
        assert reports[0].outputs == reports[1].outputs
        told.update(item.inputs_changed for item in reports[0].outputs.items)
    assert told == {True, False, None}  # changed, the same, and one side recorded without inputs


def test_a_start_that_is_no_longer_where_it_was_gives_no_answer(tmp_path) -> None:
    """The line at a kept place must be the event of the call's seq: a file rewritten since (here, every seq's
    last digit changed, so every line keeps its place) answers None, not the fingerprint of another event."""
    source = written(tmp_path / "run.jsonl", 2)
    calls = [call for call in profile(source, typed=True, rereadable=True).calls.calls if call.inputs_place]
    assert calls and all(inputs_fingerprint(call) is not None for call in calls)
    path = Path(source.files[0])
    def next_seq(m: re.Match[bytes]) -> bytes:
        return b'"seq": ' + m[1] + str((int(m[2]) + 1) % 10).encode()

    path.write_bytes(re.sub(rb'"seq": ([0-9]*)([0-9])', next_seq, path.read_bytes()))
    assert [inputs_fingerprint(call) for call in calls] == [None] * len(calls)
