"""Replay's timeline builder in C (`replay/_builder.c`) gives what its Python reference gives, state and all."""

from __future__ import annotations

import random

import orjson
import pytest
from test_kept_timeline import ARRAYS, same
from test_replay_halves import server_run

from namel3ss_debug.replay import builder
from namel3ss_debug.replay.load import FileReading
from namel3ss_debug.store.records import BLOCK_DECODER, EventRecord
from namel3ss_debug.store.sources import RunSource

needs_c = pytest.mark.skipif(not builder.ACCELERATED, reason="the C extension was not compiled on this install")
if builder.ACCELERATED:
    from namel3ss_debug.replay import _builder


def records_of(lines: list[dict]) -> list[EventRecord]:
    return [BLOCK_DECODER.decode(orjson.dumps(line)) for line in lines]


def chunks(records: list, rng: random.Random) -> list[list]:
    """The records in blocks of random sizes (an empty one too): a block reads what earlier blocks added."""
    cuts = sorted(rng.sample(range(len(records) + 1), min(6, len(records) + 1)))
    return [records[a:b] for a, b in zip([0, *cuts], [*cuts, len(records)])]


def fed(path: str, blocks: list[list], compiled: bool, ghost=None, remembered: int | None = None,
        wanted: str | None = None) -> dict:
    """Everything a reading holds after `blocks`, fed one way or the other."""
    reading = FileReading(RunSource(path, (path,)), wanted, ghost)
    if remembered is not None:
        reading.builder.spans.remembered = remembered
    add = reading.builder.add_records if compiled else reading.builder.add_records_py
    kept = [add(block, reading.runs) for block in blocks]
    spans = reading.builder.spans
    return {"kept": kept, "timeline": structure(reading.done()), "open": dict(spans.open),
            "closed": list(spans.closed.items()), "unresolved": reading.builder.unresolved,
            "wanted": reading.runs.wanted}


def structure(timeline) -> dict:
    """`described` but the events and their places (the store is filled by `FileReading.feed`, not here)."""
    return {"arrays": {name: list(getattr(timeline, name)) for name in ARRAYS},
            "names": [list(table.texts) for table in (timeline.types, timeline.components, timeline.names,
                                                        timeline.statuses)],
            "calls": sorted(timeline.calls.items()), "other_runs": dict(timeline.other_runs),
            "run_id": timeline.run_id, "sorted": timeline._sorted}


def both(path: str, blocks: list[list], **how) -> tuple[dict, dict]:
    return fed(path, blocks, True, **how), fed(path, blocks, False, **how)


def comparable(state: dict) -> bytes:
    return orjson.dumps({**state, "unresolved": sorted(state["unresolved"] or ())})


@needs_c
@pytest.mark.parametrize("seed", range(30))
def test_the_compiled_builder_builds_the_reference_s_timeline(tmp_path, seed):
    """Random runs (other runs' events, seqs out of order, spans left open, a parent that never was), in blocks
    of random sizes, with few or many recently closed spans remembered."""
    rng = random.Random(seed)
    lines = server_run(rng, rng.randrange(3, 40))
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    blocks = chunks(records_of(lines), rng)
    for remembered in (None, 2, 0):
        compiled, reference = both(str(path), blocks, remembered=remembered)
        assert comparable(compiled) == comparable(reference)
    first = lines[1]["run_id"] if rng.random() < 0.5 else "20261122-110000-fedcba"  # another run asked for
    compiled, reference = both(str(path), blocks, wanted=first)
    assert comparable(compiled) == comparable(reference)


@needs_c
@pytest.mark.parametrize("seed", range(12))
def test_a_second_half_under_its_ghost_is_built_as_the_reference_builds_it(tmp_path, seed):
    """A second half: the root's start added by `add` first, then blocks; parent ids it cannot place kept."""
    rng = random.Random(seed)
    lines = server_run(rng, rng.randrange(3, 30))
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    root = next(line for line in lines if line["event_type"] == "run_start")
    cut = rng.randrange(2, len(lines))
    blocks = chunks(records_of(lines[cut:]), rng)
    compiled, reference = both(str(path), blocks, ghost=(root["span_id"], root))
    assert comparable(compiled) == comparable(reference)
    assert compiled["unresolved"] == reference["unresolved"] and compiled["unresolved"]


@needs_c
def test_what_the_compiled_builder_does_not_know_is_left_to_the_reference(tmp_path):
    path = str(tmp_path / "run.jsonl")
    reading = FileReading(RunSource(path, (path,)), None)
    records = records_of(server_run(random.Random(1), 5))
    assert _builder.add_records(reading.builder, [*records[:3], object()], reading.runs) is NotImplemented
    assert _builder.add_records(reading.builder, tuple(records), reading.runs) is NotImplemented
    reading.timeline.depth = reading.timeline.depth.__class__("q")  # an array of another item size
    assert _builder.add_records(reading.builder, records, reading.runs) is NotImplemented
    assert len(reading.timeline) == 0  # nothing was added


def test_a_block_of_other_objects_is_built_by_the_reference(tmp_path):
    """`add_records` takes what the C code does not (here a tuple) through the reference: the same timeline."""
    lines = server_run(random.Random(3), 6)
    path = str(tmp_path / "run.jsonl")
    records = records_of(lines)
    one = FileReading(RunSource(path, (path,)), None)
    one.builder.add_records(tuple(records), one.runs)
    other = FileReading(RunSource(path, (path,)), None)
    other.builder.add_records_py(records, other.runs)
    assert same(structure(one.done()), structure(other.done()))
