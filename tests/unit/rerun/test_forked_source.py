"""The call a fork answers with `--answer` is `forked`, not `mocked`: in the rerun console (a stop's `returns`
line and the `source` breakpoints and `p` read), the rerun report's `calls` line, its JSON `counts` and the new
trace's `attrs.replay`; a mock's stays `mocked`."""

from __future__ import annotations

import pytest
from support.rerunhelpers import record, rerun
from rich.console import Console

from namel3ss_debug import trace_llm_call
from namel3ss_debug.render.rerun.stop import stop_view
from namel3ss_debug.rerun.answerer import Decision, PendingCall
from namel3ss_debug.launch.call_stops import CallStop
from namel3ss_debug.rerun.fork import ForkPlan

pytestmark = pytest.mark.usefixtures("isolated_workspace")


@trace_llm_call(name="chat")
def chat(prompt: str) -> str:
    return f"said to {prompt}"


def app() -> list[str]:
    return [chat("one"), chat("two")]


class Watcher:
    """A stepper that accepts every answer, keeping each stop as the console shows it."""

    errors = 0

    def __init__(self) -> None:
        self.sources: list[object] = []
        self.shown: list[str] = []

    def decide(self, call: PendingCall) -> Decision:
        self.sources.append(call.view().get("source"))
        console = Console(width=200, record=True, color_system=None)
        console.print(stop_view(CallStop(call, (), len(self.shown) + 1, None)))
        self.shown.append(console.export_text())
        return Decision("accept")


def test_the_forks_answer_is_forked_in_the_console_the_counts_and_the_trace() -> None:
    _, events = record(app)
    watcher = Watcher()
    said, new_events, session = rerun(events, app, stepper=watcher,
                                      fork=ForkPlan("llm:chat#2", "answer", "a new answer", offline=True))
    assert said == ["said to one", "a new answer"]
    assert watcher.sources == ["recorded", "forked"]
    assert 'returns  "a new answer"  (forked)' in watcher.shown[1]
    assert session.tally.counts == {"recorded": 1, "forked": 1} and session.tally.mocked == ["llm:chat#2"]
    assert [e["attrs"]["replay"] for e in new_events if e["event_type"] == "llm_call_end"] == ["recorded", "forked"]
