"""`diff` reads a run through the typed decoder (`profile_lines`); events read as dicts (`profile_run`) give
the same profile: the same calls (fingerprints, previews, places, numbers) and the same figures. Checked on
random runs that hold what a real trace can: failures with and without errors, odd field types the typed
decoder refuses, unclosed spans, ends without starts, nested payloads, another run's events."""

from __future__ import annotations

import json
import random

import pytest
from tracefactory import TraceBuilder

from namel3ss_debug.diffing.profile import profile_lines, profile_run
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

COMPONENTS = ("llm", "tool", "agent", "chain", "memory")
PAYLOADS = (None, "text", {"text": "a", "n": 1}, {"b": [1, 2, {"c": None}], "a": "z"}, [1, "two"], 3.5,
            {"return": "x\n  y"}, {"return": {"text": "plan", "usage": {"input_tokens": 3}}}, 10**30)


def random_run(rng: random.Random) -> list[dict]:
    trace = TraceBuilder()
    trace.run_start()
    open_ids: list[str] = [trace.root]
    for _ in range(rng.randrange(5, 60)):
        roll = rng.random()
        parent = rng.choice(open_ids)
        if roll < 0.45:
            span = trace.start(rng.choice(COMPONENTS), rng.choice(("plan", "search", "write")), parent,
                               inputs=rng.choice(PAYLOADS))
            if rng.random() < 0.2:
                trace.events[-1].pop("inputs", None)
            elif rng.random() < 0.1:
                trace.events[-1]["inputs"] = None  # present, and null
            open_ids.append(span)
        elif roll < 0.8 and len(open_ids) > 1:
            span = open_ids.pop(rng.randrange(1, len(open_ids)))
            fields = {"outputs": rng.choice(PAYLOADS)}
            status = rng.choice(("completed", "completed", "failed"))
            if status == "failed":
                fields["error"] = rng.choice(({"type": "TimeoutError", "message": "late"}, {}, {"type": 5},
                                              "a string", None, {"message": "no type"}))
            event = trace.end(span, rng.uniform(0, 50), status=status, **fields)
            if rng.random() < 0.1:
                event["duration_ms"] = rng.choice((-1, "slow", 2e13))  # refused by the typed decoder
            if rng.random() < 0.15:
                event.pop("outputs", None)
            elif rng.random() < 0.1:
                event["outputs"] = None  # present, and null
        elif roll < 0.9:
            trace.instant("memory_operation", "memory", "write", parent)
        else:
            trace.event("tool_call_end", "tool", "orphan", trace.new_id(), parent, "completed", duration_ms=1.0,
                        outputs={"x": 1})
    if rng.random() < 0.5:
        trace.run_end()
    if rng.random() < 0.2:
        other = TraceBuilder("20261122-120000-000000")
        other.run_start()
        trace.events.extend(other.events)
    return trace.events


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("rereadable", [False, True])
def test_the_typed_path_and_the_dict_path_give_the_same_profile(tmp_path, seed, rereadable) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(json.dumps(event).encode() + b"\n" for event in random_run(random.Random(seed))))
    source = RunSource(str(path), (str(path),))

    def reader() -> TraceReader:
        return TraceReader(ReadProblems(strict=False, on_warning=lambda message: None))

    dicts, lines = reader(), reader()
    by_dicts = profile_run(source, dicts.events(source), problems=dicts.problems, rereadable=rereadable)
    by_lines = profile_lines(source, lines.line_blocks(source), problems=lines.problems, rereadable=rereadable)
    assert by_lines.calls == by_dicts.calls
    assert by_lines.report == by_dicts.report
