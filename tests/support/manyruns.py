"""Many small runs for the commands that read them in worker processes (`--jobs`): each an agent whose tool fails
some of the time, a few runs failing with its error; the same number, the same bytes."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Callable

import pytest
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.model.errors import TraceError
from namel3ss_debug.ops import workers
from namel3ss_debug.store import reader


def a_run(directory: Path, number: int) -> Path:
    """A run of an agent whose tool fails some of the time; a few runs fail with its error."""
    rng = random.Random(number)
    trace = TraceBuilder(f"20261128-10{number:04d}-abcdef")
    trace.run_start()
    agent = trace.start("agent", "weather", kind="agent_execution")
    for _ in range(rng.randrange(2, 6)):
        llm = trace.start("llm", "plan", agent, inputs={"messages": [{"role": "user", "content": "Paris?"}]})
        trace.end(llm, rng.uniform(1, 50), outputs={"text": rng.choice(["Lisbon", "Paris", None])})
        failed = rng.random() < 0.5
        trace.span("tool", "get_weather", rng.uniform(1, 20), agent, inputs={"city": "Paris, FR"},
                   status="failed" if failed else "completed",
                   error=error("KeyError", "'Paris, FR'") if failed else None)
    trace.end(agent, 1)
    trace.run_end(status="failed" if number % 3 == 0 else "completed")
    return trace.write(directory / f"run-{number:02d}.jsonl")


def stops_when_one_vanishes(monkeypatch: pytest.MonkeyPatch, paths: list[Path],
                            read: Callable[[list[Path]], object]) -> None:
    """`read(paths)` stops with the one line one process gives when a run's file is removed just as a reader opens
    it (a rotation, a clean-up after the runs were listed), in this process and in the workers, which are forked so
    that they see the change; and gives no answer for the other runs."""
    victim = paths[-4]
    opened = reader.open_trace

    def vanishing(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path) == str(victim):
            victim.unlink(missing_ok=True)
        return opened(path, *args, **kwargs)

    monkeypatch.setattr(reader, "open_trace", vanishing)
    monkeypatch.setattr(workers, "start_method", lambda fresh=False: "fork")
    with pytest.raises(TraceError, match=f"^cannot read {victim}: No such file or directory$"):
        read(paths)
