"""Every way a rerun stops an app is known to the readers by the type its trace records (`STOPS`), so that a run
so stopped reads `stopped`, never as a crash of the app (`analysis/failed_run.ended_as`)."""

from __future__ import annotations

from namel3ss_debug.launch.choosing import RerunRefused
from namel3ss_debug.model.rerun_protocol import STOPS, RerunStop, stopped_by
from namel3ss_debug.rerun.budget import BudgetSpent
from namel3ss_debug.tracer.events import type_name

# stops defined outside rerun_protocol, imported so that their subclasses are there to be found
ELSEWHERE = (RerunRefused, BudgetSpent)


def _stops(kind: type[RerunStop]) -> set[type[RerunStop]]:
    return {kind}.union(*(_stops(sub) for sub in kind.__subclasses__()))


def test_every_stop_a_rerun_raises_is_known_by_the_type_its_trace_records() -> None:
    assert set(ELSEWHERE) <= _stops(RerunStop)
    assert {type_name(kind("stop")) for kind in _stops(RerunStop)} == set(STOPS)


def test_an_error_of_the_app_s_is_no_stop() -> None:
    assert [stopped_by(kind) for kind in ("ValueError", "RerunMiss", None, 3)] == [None] * 4
