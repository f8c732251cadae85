"""A framework's run whose steps the app drives as one span (integrations/streamed_runs.py), for async
iterators as for generators: current while the framework makes a step, not while the app handles one;
its answer folded from the steps; ended with the run's error, or where the app stops reading."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Iterator

from support.rerunhelpers import record

from namel3ss_debug import get_tracer, span
from namel3ss_debug.integrations.calls import ForeignSpec
from namel3ss_debug.integrations.streamed_runs import aspanned_steps, spanned_steps

SPEC = ForeignSpec("agent", "forecaster", replayable=False)


def joined(answer: Any, step: Any) -> Any:
    return (answer or "") + step


class Steps:
    """A run's steps, each made in a span of its own (as an LLM call would be); closed or not."""

    def __init__(self, failing: bool = False):
        self.closed, self.failing = False, failing

    def sync(self) -> Iterator[str]:
        try:
            for word in ("rain ", "later"):
                with span(f"make {word.strip()}", component="custom"):
                    if self.failing and word == "later":
                        raise TimeoutError("the model took too long")
                yield word
        finally:
            self.closed = True

    async def asynchronous(self) -> AsyncIterator[str]:
        try:
            for word in ("rain ", "later"):
                with span(f"make {word.strip()}", component="custom"):
                    await asyncio.sleep(0)
                yield word
        finally:
            self.closed = True


def starts(events: list[dict]) -> dict[str, dict]:
    return {event["name"]: event for event in events if event["event_type"].endswith("_start")}


def run_end(events: list[dict]) -> dict:
    return next(e for e in events if e["event_type"] == "agent_execution_end")


def test_an_async_run_is_one_span_over_its_steps_not_over_the_apps_code_between_them() -> None:
    async def app() -> list[str]:
        got = []
        async for word in aspanned_steps(get_tracer(), SPEC, {"task": "rain?"}, {}, Steps().asynchronous(), joined):
            with span(f"app got {word.strip()}", component="custom"):
                got.append(word)
        return got

    got, events = record(lambda: asyncio.run(app()))
    opened = starts(events)
    run = opened["forecaster"]
    assert [opened[f"make {word}"]["parent_id"] for word in ("rain", "later")] == [run["span_id"]] * 2
    assert opened["app got rain"]["parent_id"] == run["parent_id"]
    assert (got, run_end(events)["outputs"]) == (["rain ", "later"], {"return": "rain later"})


def test_an_async_run_the_app_stops_reading_ends_there_and_is_closed() -> None:
    steps = Steps()

    async def app() -> str:
        run = aspanned_steps(get_tracer(), SPEC, None, {}, steps.asynchronous(), joined)
        first = await run.__anext__()
        await run.aclose()
        return first

    first, events = record(lambda: asyncio.run(app()))
    assert (first, steps.closed) == ("rain ", True)
    assert run_end(events)["status"] == "completed" and "make later" not in starts(events)


def test_a_run_that_fails_is_a_failed_span_and_the_app_gets_its_error() -> None:
    steps = Steps(failing=True)

    def app() -> list[str]:
        return list(spanned_steps(get_tracer(), SPEC, None, {}, steps.sync(), joined))

    error, events = record(lambda: _caught(app))
    end = run_end(events)
    assert isinstance(error, TimeoutError)
    assert (end["status"], end["error"]["type"], steps.closed) == ("failed", "TimeoutError", True)


def test_a_fold_that_fails_leaves_the_answer_as_it_was() -> None:
    def fold(answer: Any, step: Any) -> Any:
        if step == "later":
            raise KeyError(step)
        return step

    got, events = record(lambda: list(spanned_steps(get_tracer(), SPEC, None, {}, Steps().sync(), fold)))
    assert (got, run_end(events)["outputs"]) == (["rain ", "later"], {"return": "rain "})


def _caught(app: Any) -> Any:
    try:
        return app()
    except TimeoutError as error:
        return error
