"""Recording an app in memory and running it again under a rerun, in this process: for the rerun tests."""

from __future__ import annotations

from typing import Any, Callable

from namel3ss_debug import get_tracer
from namel3ss_debug.replay.builder import timeline_of
from namel3ss_debug.launch.rerun import recorded_form
from namel3ss_debug.rerun.call_paths import PathTable
from namel3ss_debug.rerun.recording import Recording
from namel3ss_debug.rerun.answerer import Rerun
from namel3ss_debug.testing.capture import capture_events

Event = dict[str, Any]


def record(app: Callable[[], Any], **settings: Any) -> tuple[Any, list[Event]]:
    """What `app()` returns, and the events of its run."""
    with capture_events(**settings) as run:
        result = app()
    return result, run.events


def rerun(events: list[Event], app: Callable[[], Any], **options: Any) -> tuple[Any, list[Event], Rerun]:
    """`app()` run again with its calls answered from `events`: what it returned (or raised), the new run's
    events, and the rerun (its tally)."""
    recording = Recording(timeline_of(events, "old.jsonl"), PathTable())
    session = Rerun(recording, inputs_of=recorded_form, **options)
    get_tracer().rerun = session
    try:
        with capture_events() as run:
            try:
                result: Any = app()
            except BaseException as error:  # the test looks at what the app raised
                result = error
    finally:
        get_tracer().rerun = None
    return result, run.events, session
