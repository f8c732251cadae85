"""Runs of a small trip agent, traced for real in this process (the library's decorators, the tracer and its
writer), for the run index's tests of what a run was asked and answered and of its trends.

    run_ids = record_trips(directory, [Trip("Paris"), Trip("Oslo", crash=True), Trip("Rome", tokens=380)])

Each run is `trip_agent.py --city CITY`: it asks the model (`gpt-4o-mini`, a stand-in that answers at once) what to
see there, then asks again for a one-line answer, and returns it. Its first call has 80 tokens; a run that crashes
raises `NoFlights` after that call (an unhandled error, exit code 1); any other makes its second call too, so that
the run has `tokens` in all (190 unless given).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from namel3ss_debug.config import load_settings
from namel3ss_debug.tracer.api import current_span, get_tracer, trace_llm_call

ENTRY = "trip_agent.py"
MODEL = "gpt-4o-mini"
FIRST_TOKENS = 80


class NoFlights(RuntimeError):
    """The crash of a trip run."""


@dataclass(frozen=True)
class Trip:
    city: str
    crash: bool = False  # raises NoFlights after its first call: 80 tokens, exit code 1
    tokens: int = 190  # the run's tokens when it does not crash
    question: str | None = None  # what it asks; else "What should I see in CITY?"
    answer: str | None = None  # what the model answers it in the end; else "In CITY: ...", on two lines

    @property
    def asked(self) -> str:
        return self.question or f"What should I see in {self.city}?"

    @property
    def said(self) -> str:
        return self.answer or f"In {self.city}: the old town first.\nThen the harbour at dusk."


@trace_llm_call(name="planner", model=MODEL)
def ask_model(messages: list[dict[str, str]], tokens: int, answer: str) -> str:
    current_span().set_usage(input_tokens=tokens - 10, output_tokens=10)
    return answer


def _plan(trip: Trip) -> str:
    asked = [{"role": "system", "content": "You plan trips."}, {"role": "user", "content": trip.asked}]
    ideas = ask_model(asked, FIRST_TOKENS, f"Let me think about {trip.city}.")
    if trip.crash:
        raise NoFlights(f"no flights to {trip.city} today")
    again = [*asked, {"role": "assistant", "content": ideas}, {"role": "user", "content": "In one line, please."}]
    return ask_model(again, trip.tokens - FIRST_TOKENS, trip.said)


def record_trips(directory: Path, trips: list[Trip]) -> list[str]:
    """Each trip traced into `directory`, one after the other; their run ids, in order."""
    overrides: dict[str, Any] = {"enabled": True, "trace_output_dir": str(directory)}
    resolved = load_settings({}, directory, overrides=overrides, override_source="tests/runs/trips.py")
    tracer = get_tracer()
    run_ids = []
    for trip in trips:
        run = tracer.start_run(resolved, entry={"kind": "script", "name": ENTRY},
                               argv=[ENTRY, "--city", trip.city], install_hooks=False)
        try:
            _plan(trip)
        except NoFlights as exc:  # as `namel3ss-debug trace` ends a run its app's exception ended
            tracer.record_error(exc, unhandled=True)
            tracer.end_run("failed", exit_code=1, error=exc)
        else:
            tracer.end_run("completed", exit_code=0)
        run_ids.append(run.run_id)
    return run_ids
