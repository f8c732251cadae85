"""The run's start-up span is no call: a run recorded before the tracer wrote one diffs clean against a run
that has one."""

from __future__ import annotations

import orjson
from diffruns import agent_run, profile
from support.tracefactory import insert_startup

from namel3ss_debug.diffing.calls import CallRecorder
from namel3ss_debug.diffing.compare import diff_runs
from namel3ss_debug.store.records import BLOCK_DECODER


def test_a_run_with_a_start_up_diffs_clean_against_one_without():
    report = diff_runs(profile(agent_run()), profile(insert_startup(agent_run())))
    assert (report.calls.divergence, report.calls.added, report.calls.removed) == (None, 0, 0)


def test_the_start_up_is_not_in_the_call_sequence():
    calls = profile(insert_startup(agent_run())).calls.calls
    assert not [op for op in calls.operations() if "start-up" in op]



def test_records_read_by_blocks_leave_it_out_too():
    recorder = CallRecorder()
    recorder.add_block([BLOCK_DECODER.decode(orjson.dumps(event)) for event in insert_startup(agent_run())])
    assert not [op for op in recorder.finish().calls.operations() if "start-up" in op]
