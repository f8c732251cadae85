"""The run's start-up span is no call: a run recorded before the tracer wrote one diffs clean against a run
that has one, in the C recorder as in its reference."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from diffruns import agent_run, profile
from test_recorder_compiled import needs_c, referenced, state, written
from tracefactory import insert_startup, random_calls_run

from namel3ss_debug.diffing.calls import CallRecorder
from namel3ss_debug.diffing.compare import diff_runs


def test_a_run_with_a_start_up_diffs_clean_against_one_without():
    report = diff_runs(profile(agent_run()), profile(insert_startup(agent_run())))
    assert (report.calls.divergence, report.calls.added, report.calls.removed) == (None, 0, 0)


def test_the_start_up_is_not_in_the_call_sequence():
    calls = profile(insert_startup(agent_run())).calls.calls
    assert not [op for op in calls.operations() if "start-up" in op]


@needs_c
@pytest.mark.parametrize("seed", range(6))
def test_the_compiled_recorder_leaves_it_out_as_the_reference_does(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    source = written(insert_startup(random_calls_run(rng, spans=(20, 200))), rng, tmp_path / "run.jsonl")
    compiled, reference = CallRecorder(), CallRecorder()
    for (given, path, offsets), (records, _, _) in referenced(source, seed):
        compiled.add_block(given, path, offsets)
        reference.add_block_py(records, path, offsets)
        assert state(compiled) == state(reference)
    assert not [op for op in compiled.finish().calls.operations() if "start-up" in op]
