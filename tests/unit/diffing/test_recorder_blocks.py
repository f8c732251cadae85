"""diff's call recorder reads a run two ways: a block of typed records (`CallRecorder.add_block`, what a file the
typed decoder reads whole goes to) or one event dict at a time (`add`, for what it does not). On random runs
cut into random blocks, both make the same calls: the same operations, numbers, parents, statuses, durations
and fingerprints of inputs and outputs, the same places of a run that can be read again, and the same count of
events, of this run and of others."""

from __future__ import annotations

import json
import random
from pathlib import Path

import msgspec
import orjson
import pytest
from support.tracefactory import TraceBuilder, random_calls_run

from namel3ss_debug.diffing import calls
from namel3ss_debug.diffing.calls import CallRecorder
from namel3ss_debug.diffing.previews import inputs_fingerprint
from namel3ss_debug.store.records import BLOCK_DECODER
from namel3ss_debug.store.sources import RunSource


def written(events: list[dict], rng: random.Random, path: Path) -> RunSource:
    """The run's lines as the tracer (orjson) or another writer (json: escapes, spaces) writes them."""
    lines = [json.dumps(event).encode() if rng.random() < 0.3 else _orjson(event) for event in events]
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return RunSource(str(path), (str(path),))


def _orjson(event: dict) -> bytes:
    try:
        return orjson.dumps(event)
    except TypeError:  # an integer past 64 bits
        return json.dumps(event, ensure_ascii=False).encode()


def pieces(source: RunSource, rng: random.Random):
    """(records, path, offsets, lines) of blocks cut at random places, each line decoded as the typed decoder
    does (a line it refuses, as a block holding one would go to `add`, is left out)."""
    path, decoded, offset = source.files[0], [], 0
    for line in Path(path).read_bytes().splitlines(keepends=True):
        try:
            decoded.append((BLOCK_DECODER.decode(line), offset, line))
        except msgspec.ValidationError:
            pass
        offset += len(line)
    at = 0
    while at < len(decoded):
        stop = min(len(decoded), at + rng.randint(1, 12))
        part = decoded[at:stop]
        yield ([record for record, _, _ in part], path, (lambda part=part: [place for _, place, _ in part]),
               [(orjson.loads(line), place) for _, place, line in part])
        at = stop


def both_ways(source: RunSource, seed: int, rereadable: bool) -> tuple[CallRecorder, CallRecorder]:
    """The run recorded by blocks of records and by events, each `rereadable` (its places kept) or not."""
    blocks, events = CallRecorder(), CallRecorder()
    if seed % 3 == 0:  # few spans remembered once closed: the oldest forgotten again and again
        blocks._spans.remembered = events._spans.remembered = 2
    for records, path, offsets, lines in pieces(source, random.Random(seed)):
        blocks.add_block(records, path if rereadable else None, offsets if rereadable else None)
        for event, offset in lines:
            events.add(event, (path, offset) if rereadable else None)
    return blocks, events


def calls_of(recorder: CallRecorder) -> list:
    """Each call, its inputs' fingerprint read again where only their place was kept."""
    sequence = recorder.finish()
    return [(call, inputs_fingerprint(call)) for call in sequence.calls], sequence.other_runs, sequence.events


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("rereadable", [True, False])
def test_records_by_blocks_make_the_calls_events_one_by_one_make(tmp_path, seed, rereadable) -> None:
    rng = random.Random(seed)
    source = written(random_calls_run(rng, spans=(20, 400)), rng, tmp_path / f"run{seed}.jsonl")
    blocks, events = both_ways(source, seed, rereadable)
    made = calls_of(blocks)
    assert len(made[0]) > 10
    assert made == calls_of(events)


def test_many_operations_are_numbered_alike(tmp_path) -> None:
    """Hundreds of operations, each met again and again, some only by an instant: the same call numbers."""
    rng = random.Random(3)
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(3000):
        name = f"op{rng.randrange(300)}"
        if rng.random() < 0.1:
            trace.instant("marker", "app", name)
        else:
            trace.span(rng.choice(("tool", "llm", "agent")), name, 1.0, inputs={"n": rng.randrange(5)})
    trace.run_end()
    blocks, events = CallRecorder(), CallRecorder()
    for start in range(0, len(trace.events), 2500):
        part = trace.events[start:start + 2500]
        blocks.add_block([BLOCK_DECODER.decode(orjson.dumps(event)) for event in part])
        for event in part:
            events.add(event)
    assert len(events._numbers) > 300 and blocks._numbers == events._numbers
    assert calls_of(blocks) == calls_of(events)


def test_outputs_met_again_are_hashed_alike_when_the_hashes_kept_are_forgotten(monkeypatch) -> None:
    """Outputs of a few texts again and again (some too long to be kept), the hashes kept forgotten every two
    texts: the fingerprints that events one by one (each hashed anew) give."""
    monkeypatch.setattr(calls, "HASHES_KEPT", 2)
    rng = random.Random(5)
    trace = TraceBuilder()
    trace.run_start()
    texts = ["a", "b", "c", "x" * (calls.HASHED_TEXT_KEPT + 1)]
    for _ in range(400):
        trace.span(rng.choice(("tool", "llm")), "step", 1.0, outputs={"return": rng.choice(texts)})
    trace.run_end()
    blocks, events = CallRecorder(), CallRecorder()
    blocks.add_block([BLOCK_DECODER.decode(orjson.dumps(event)) for event in trace.events])
    for event in trace.events:
        events.add(event)
    made = calls_of(blocks)
    assert len({call.outputs_hash for call, _ in made[0]} - {None}) == len(texts)
    assert made == calls_of(events)
