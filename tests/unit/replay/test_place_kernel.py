"""Replay's placing kernel in C (`replay/_place.c`) gives what its Python reference (`place.place_py`) gives, the
state it updates and all, on random runs read in blocks: and a timeline built from records is the timeline built
from the same events as dicts (`add`, one at a time)."""

from __future__ import annotations

import random
from array import array
from collections import OrderedDict

import orjson
import pytest
from test_kept_timeline import ARRAYS, same
from test_replay_halves import server_run

from namel3ss_debug.replay import builder, place
from namel3ss_debug.replay.builder import timeline_of
from namel3ss_debug.replay.load import FileReading
from namel3ss_debug.store.records import BLOCK_DECODER, EventRecord
from namel3ss_debug.store.sources import RunSource

needs_c = pytest.mark.skipif(not place.ACCELERATED, reason="the C extension was not compiled on this install")


def records_of(lines: list[dict]) -> list[EventRecord]:
    return [BLOCK_DECODER.decode(orjson.dumps(line)) for line in lines]


def chunks(records: list, rng: random.Random) -> list[list]:
    """The records in blocks of random sizes (an empty one too): a block reads what earlier blocks added."""
    cuts = sorted(rng.sample(range(len(records) + 1), min(6, len(records) + 1)))
    return [records[a:b] for a, b in zip([0, *cuts], [*cuts, len(records)])]


def fed(path: str, blocks: list[list], compiled: bool, ghost=None, remembered: int | None = None,
        wanted: str | None = None, monkeypatch=None) -> dict:
    """Everything a reading holds after `blocks`, placed by the kernel in C or by its reference."""
    monkeypatch.setattr(builder, "place", place.place if compiled else place.place_py)
    reading = FileReading(RunSource(path, (path,)), wanted, ghost)
    if remembered is not None:
        reading.builder.spans.remembered = remembered
    kept = [reading.builder.add_records(block, reading.runs) for block in blocks]
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


@pytest.fixture
def two(monkeypatch):
    return lambda path, blocks, **how: both(path, blocks, monkeypatch=monkeypatch, **how)


def comparable(state: dict) -> bytes:
    return orjson.dumps({**state, "unresolved": sorted(state["unresolved"] or ())})


@needs_c
@pytest.mark.parametrize("seed", range(30))
def test_the_compiled_kernel_builds_the_reference_s_timeline(tmp_path, seed, two):
    """Random runs (other runs' events, seqs out of order, spans left open, a parent that never was), in blocks
    of random sizes, with few or many recently closed spans remembered."""
    rng = random.Random(seed)
    lines = server_run(rng, rng.randrange(3, 40))
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    blocks = chunks(records_of(lines), rng)
    for remembered in (None, 2, 0):
        compiled, reference = two(str(path), blocks, remembered=remembered)
        assert comparable(compiled) == comparable(reference)
    first = lines[1]["run_id"] if rng.random() < 0.5 else "20261122-110000-fedcba"  # another run asked for
    compiled, reference = two(str(path), blocks, wanted=first)
    assert comparable(compiled) == comparable(reference)


@needs_c
@pytest.mark.parametrize("seed", range(12))
def test_a_second_half_under_its_ghost_is_built_as_the_reference_builds_it(tmp_path, seed, two):
    """A second half: the root's start added by `add` first, then blocks; parent ids it cannot place kept."""
    rng = random.Random(seed)
    lines = server_run(rng, rng.randrange(3, 30))
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    root = next(line for line in lines if line["event_type"] == "run_start")
    cut = rng.randrange(2, len(lines))
    blocks = chunks(records_of(lines[cut:]), rng)
    compiled, reference = two(str(path), blocks, ghost=(root["span_id"], root))
    assert comparable(compiled) == comparable(reference)
    assert compiled["unresolved"] == reference["unresolved"] and compiled["unresolved"]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("kernel", ["compiled", "reference"])
def test_a_timeline_of_records_is_the_timeline_of_the_same_events_as_dicts(tmp_path, seed, kernel, monkeypatch):
    """Blocks of records (plain files) and events one at a time (standard input, `.gz`): one timeline."""
    if kernel == "compiled" and not place.ACCELERATED:
        pytest.skip("the C extension was not compiled on this install")
    monkeypatch.setattr(builder, "place", place.place if kernel == "compiled" else place.place_py)
    rng = random.Random(seed)
    lines = server_run(rng, rng.randrange(3, 30))
    lines = [line for line in lines if line["run_id"] == lines[1]["run_id"]]
    path = str(tmp_path / "run.jsonl")
    reading = FileReading(RunSource(path, (path,)), None)
    for block in chunks(records_of(lines), rng):
        reading.builder.add_records(block, reading.runs)
    assert same(structure(reading.done()), {**structure(timeline_of(lines)), "run_id": reading.timeline.run_id})


@needs_c
@pytest.mark.parametrize("bad, error", [
    (lambda a: {**a, "depth": array("q")}, TypeError),  # an array of another item type
    (lambda a: {**a, "codes": []}, TypeError),
    (lambda a: {**a, "records": [*a["records"], object()]}, AttributeError),  # no fields to read
    (lambda a: {**a, "code_of": lambda *texts: (1, 2)}, TypeError),  # codes that are not five
])
def test_the_compiled_kernel_refuses_what_it_cannot_read_with_an_error_not_a_crash(bad, error):
    records = records_of(server_run(random.Random(1), 5))

    def arguments():
        codes: dict = {}

        def code_of(*texts):
            return codes.setdefault(texts, (0, 0, 0, 0, (0, 0)))
        return {"records": records, "codes": codes, "code_of": code_of, "open": {}, "closed": OrderedDict(),
                "remembered": 4, "counts": {}, "depth": array("I"), "call": array("I"), "span_start": array("i"),
                "span_end": array("i"), "unresolved": None}
    given = bad(arguments())
    with pytest.raises(error):
        place.place(*given.values())
