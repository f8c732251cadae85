"""diff's call recorder in C (`diffing/_calls.c`, `CallRecorder.add_block`) against its Python reference
(`add_block_py`): on random runs cut into random blocks, the whole state after every block is the same: the
table's columns, texts, files and previews, the open and recently closed spans, the call numbers, the
operations' codes, the run kept and the events of others. The C recorder takes each block as a list of msgspec's
records and as the lines analyze's scan reads in place (`_tally.Lines`, what `diff` reads); the reference takes
msgspec's records."""

from __future__ import annotations

import json
import random
from pathlib import Path

import msgspec
import orjson
import pytest
from tracefactory import TraceBuilder, random_calls_run

from namel3ss_debug.analysis import tally
from namel3ss_debug.diffing import call_table, calls
from namel3ss_debug.diffing.calls import CallRecorder
from namel3ss_debug.store.records import BLOCK_DECODER
from namel3ss_debug.store.sources import RunSource

needs_c = pytest.mark.skipif(not calls.ACCELERATED, reason="the C extension was not compiled on this install")


def state(recorder: CallRecorder) -> dict:
    table = recorder._table
    return {
        "columns": {name: getattr(table, name).tobytes() for name in call_table._COLUMNS},  # NaN durations too
        "texts": list(table.texts.texts), "files": list(table.files.texts), "previews": dict(table.previews),
        "open": dict(recorder._spans.open), "closed": list(recorder._spans.closed.items()),
        "numbers": dict(recorder._numbers), "operations": dict(recorder._operations), "kinds": dict(recorder._kinds),
        "wanted": recorder._runs.wanted, "others": dict(recorder.other_runs), "events": recorder.events,
    }


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


def pieces(source: RunSource, rng: random.Random, scanned: bool = False):
    """(records, path, offsets) of blocks cut at random places, each line decoded as the typed decoder does (a
    line it refuses, as a block holding one would go to `add`, is left out). `scanned`: the records as a block of
    `_tally.Lines` (what diff reads), else msgspec's list."""
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
        records = ([record for record, _, _ in part] if not scanned
                   else tally.block_decoder(False)(b"".join(line for _, _, line in part)))
        yield records, path, (lambda part=part: [place for _, place, _ in part])
        at = stop


def referenced(source: RunSource, seed: int):
    """Each block of `pieces` as the C recorder takes it (scanned lines or records, by the seed) and as the
    reference does (records)."""
    return zip(pieces(source, random.Random(seed), scanned=seed % 2 == 0), pieces(source, random.Random(seed)))


def run_of(seed: int, tmp_path: Path) -> RunSource:
    rng = random.Random(seed)
    return written(random_calls_run(rng, spans=(20, 400)), rng, tmp_path / f"run{seed}.jsonl")


@needs_c
@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("rereadable", [True, False])
def test_the_state_after_every_block_is_the_references(tmp_path, seed, rereadable) -> None:
    source = run_of(seed, tmp_path)
    compiled, reference = CallRecorder(), CallRecorder()
    if seed % 3 == 0:  # few spans remembered once closed: the oldest forgotten again and again
        compiled._spans.remembered = reference._spans.remembered = 2
    blocks = 0
    for (given, path, offsets), (records, _, _) in referenced(source, seed):
        compiled.add_block(given, path if rereadable else None, offsets if rereadable else None)
        reference.add_block_py(records, path if rereadable else None, offsets if rereadable else None)
        assert state(compiled) == state(reference)
        blocks += 1
    assert blocks > 3
    assert compiled.finish().calls == reference.finish().calls


@needs_c
@pytest.mark.parametrize("seed", range(10))
def test_the_two_take_turns_on_one_recorder(tmp_path, seed) -> None:
    source, rng = run_of(100 + seed, tmp_path), random.Random(seed)
    mixed, reference = CallRecorder(), CallRecorder()
    for (given, path, offsets), (records, _, _) in referenced(source, seed):
        (mixed.add_block if rng.random() < 0.5 else mixed.add_block_py)(given, path, offsets)
        reference.add_block_py(records, path, offsets)
    assert state(mixed) == state(reference)


@needs_c
def test_it_keeps_what_it_is_not_built_for_to_the_reference(tmp_path) -> None:
    source = run_of(7, tmp_path)
    records = [record for records, _, _ in pieces(source, random.Random(7)) for record in records]
    recorder = CallRecorder()
    assert calls._record(recorder, tuple(records), None, None) is NotImplemented  # not a list
    assert calls._record(recorder, [*records[:3], object()], None, None) is NotImplemented  # not all records
    assert state(recorder) == state(CallRecorder())
    recorder._table.depth = call_table.array("l", recorder._table.depth)  # an array of another type
    assert calls._record(recorder, records, None, None) is NotImplemented
    assert recorder.events == 0


@needs_c
@pytest.mark.parametrize("seed", range(3))
def test_blocks_of_more_operations_than_its_tables_hold_count_alike(seed) -> None:
    """A block's own tables of call numbers and of operations fill up (more pairs than they hold, each met again
    and again, some only by an instant): the numbers and codes are the reference's all the same."""
    rng = random.Random(seed)
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(3000):
        name = f"op{rng.randrange(300)}"
        if rng.random() < 0.1:
            trace.instant("marker", "app", name)
        else:
            trace.span(rng.choice(("tool", "llm", "agent")), name, 1.0, inputs={"n": rng.randrange(5)})
    trace.run_end()
    records = [BLOCK_DECODER.decode(orjson.dumps(event)) for event in trace.events]
    compiled, reference = CallRecorder(), CallRecorder()
    for start in range(0, len(records), 2500):
        compiled.add_block(records[start:start + 2500])
        reference.add_block_py(records[start:start + 2500])
        assert state(compiled) == state(reference)
    assert len(reference._numbers) > 300 and list(compiled._numbers) == list(reference._numbers)
