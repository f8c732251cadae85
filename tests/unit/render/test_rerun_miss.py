"""A rerun's miss as text (`render/rerun/miss.py`), as `replay --rerun` shows it: with no recorded call of its
kind to offer, it says so, naming the kind."""

from __future__ import annotations

from rich.console import Console

from namel3ss_debug.judging.report import RerunReport, RunEnding
from namel3ss_debug.render.rerun.text import render_report
from namel3ss_debug.rerun.candidates import Miss


def shown(miss: Miss) -> list[str]:
    report = RerunReport("r1", "old.jsonl", "r2", ("new.jsonl",), ("app.py",), "/tmp", "call", "error",
                         {"recorded": 1, "missed": 1}, (), (miss,), (), None, RunEnding("completed", 0),
                         RunEnding("failed", 1), 1)
    console = Console(width=200, color_system=None, record=True)
    with console.capture() as captured:
        console.print(render_report(report))
    return captured.get().splitlines()


def test_a_miss_with_no_call_of_its_kind_recorded_says_the_recording_has_none_of_that_kind() -> None:
    lines = shown(Miss("tool:search#1", "agent:a#1 > tool:search#1", {"query": "x"}, "the recording has no call here"))
    at = lines.index("miss          tool:search#1 at agent:a#1 > tool:search#1: the recording has no call here")
    assert lines[at + 1:at + 3] == ["  inputs      {'query': 'x'}", "  the recording has no tool calls"]


def test_a_refused_connection_has_no_recorded_call_to_offer() -> None:
    lines = shown(Miss("connect 10.0.0.1:443", "-", None, "the network is closed during a rerun"))
    at = lines.index("miss          connect 10.0.0.1:443: the network is closed during a rerun")
    assert lines[at + 1] == "  the recording has no calls to offer"
