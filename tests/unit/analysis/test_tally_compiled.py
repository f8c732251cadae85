"""analyze's one pass in C (`analysis/_tally.c`) leaves the state its Python reference (`Tally.feed_py`) leaves:
on random runs, whole and in halves, for every section and for check's and diff's, with runs that switch,
seq that jumps, ids used twice or not hex, parents missing, ends without starts, loops, a window, costs."""

from __future__ import annotations

import random

import msgspec
import orjson
import pytest
from analysisruns import random_run
from tracefactory import TraceBuilder

from namel3ss_debug.analysis import tally as tally_module
from namel3ss_debug.analysis.build import build_report
from namel3ss_debug.analysis.merge import NotMergeable, merge
from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.report import SECTIONS
from namel3ss_debug.analysis.run_state import MAX_BUCKETS, Boundary
from namel3ss_debug.analysis.tally import Options, Tally
from namel3ss_debug.checks.evaluate import SECTIONS_READ
from namel3ss_debug.diffing.profile import SECTIONS as DIFF_SECTIONS
from namel3ss_debug.render.analyze.analyze_json import report_to_dict
from namel3ss_debug.store import newlines
from namel3ss_debug.store.records import BLOCK_DECODER, record_from_dict

needs_c = pytest.mark.skipif(not tally_module.ACCELERATED, reason="the C extension was not compiled on this install")
PRICER = Pricer(file_prices={"m": {"input": 1.0, "output": 2.0}})
SECTION_SETS = [SECTIONS, SECTIONS_READ, DIFF_SECTIONS, ("critical_path",), ("patterns", "slow")]


def looped(seed: int) -> list[dict]:
    """A run whose agent calls the same tool with the same inputs again and again (a loop), then a cycle of two."""
    trace = random_run(seed)
    agent = trace.start("agent", "looper")
    for _ in range(4):  # slow, and as slow as each other: the slowest kept by their place in the run
        trace.span("tool", "search", 60, agent, inputs={"q": "same"})
    for _ in range(3):
        trace.span("tool", "a", 5, agent, inputs={"q": 1})
        trace.span("llm", "b", 5, agent, inputs={"q": 2}, model="m", cost_usd=0.25)
    trace.end(agent, 100)
    return trace.events


def root_calls(seed: int) -> tuple[list[dict], int]:
    """A run with calls right under its root after an agent's end (where a second half starts): one fails and is
    tried again; then the same slow duration six times over. Returns the events and the cut."""
    trace = random_run(seed)
    run_end = trace.events.pop()
    cut = len(trace.events)
    trace.span("tool", "fetch", 70, None, inputs={"u": 1}, status="failed")
    trace.span("tool", "fetch", 70, None, inputs={"u": 1})
    for number in range(6):
        trace.span("llm", "same", 500, None, inputs={"n": number}, model="m")
    trace.events.append({**run_end, "seq": len(trace.events)})
    return trace.events, cut


def damaged(events: list[dict], rng: random.Random) -> list[dict]:
    """Events lost, repeated, renumbered: gaps, duplicate ids, orphans, ends without starts, ids not hex."""
    out = []
    for event in events[:-1]:
        roll = rng.random()
        if roll < 0.04:
            continue  # lost: a seq gap, and perhaps an orphan or an end without its start
        event = dict(event)
        if roll < 0.07:
            out.append(dict(event))  # written twice: a duplicate id and a seq that goes back
        elif roll < 0.10:
            event["span_id"] = f"id-{event['span_id']}"  # not the tracer's hex ids
        elif roll < 0.12:
            event.pop("model", None)
            event.pop("usage", None)
        out.append(event)
    return [*out, events[-1]]


def two_runs(seed: int) -> list[dict]:
    """Two runs in one file, the second one's events cut into the first's."""
    first, second = random_run(seed).events, random_run(seed + 100).events
    for event in second:
        event["run_id"] = "other-run"
    middle = len(first) // 2
    return [*first[:middle], *second, *first[middle:]]


def runs() -> list[tuple[str, list[dict]]]:
    made = [(f"random {seed}", random_run(seed).events) for seed in range(12)]
    made += [(f"looped {seed}", looped(seed)) for seed in range(4)]
    made += [(f"damaged {seed}", damaged(random_run(seed).events, random.Random(seed))) for seed in range(8)]
    made += [(f"two runs {seed}", two_runs(seed)) for seed in range(4)]
    made += [(f"root calls {seed}", root_calls(seed)[0]) for seed in range(2)]
    return made


def blocks(events: list[dict], rng: random.Random, lines: bool = False) -> list:
    """The events as records in blocks of random sizes; with `lines`, as blocks of JSON lines read for the pass
    (`Tally.block_decoder`: `_tally.Lines`)."""
    cuts = sorted(rng.sample(range(len(events) + 1), min(5, len(events) + 1)))
    if lines:
        decode = tally_module.block_decoder(filtered=False)
        return [decode(memoryview(b"".join(msgspec.json.encode(event) + b"\n" for event in events[a:b])))
                for a, b in zip([0, *cuts], [*cuts, len(events)])]
    records = [record_from_dict(event)[0] for event in events]
    return [records[a:b] for a, b in zip([0, *cuts], [*cuts, len(records)])]


def options(sections, counted=None) -> Options:
    return Options(slow_threshold_ms=50, block_threshold_ms=30, context_window=lambda m: 1000 if m == "m" else None,
                   sections=frozenset(sections), counted=counted, top=3)


def fed(events: list[dict], sections, compiled: bool, seed: int, boundary: Boundary | None = None,
        counted=None, lines: bool = False) -> Tally:
    """A tally fed `events` in blocks of random sizes (of records, or with `lines` of lines read for the pass);
    `.states` holds its state after each block."""
    result = Tally(options(sections, counted), boundary=boundary)
    if not compiled:
        result.repeats = {}  # the reference keeps its counts of calls in a dict, the compiled pass in a CallCounts
    result.begin("run", "run", ("run.jsonl",))
    if boundary is None and events:
        result.run.run_id = events[0]["run_id"]
    result.states = []
    for block in blocks(events, random.Random(seed), lines):
        (result.feed if compiled else result.feed_py)(block)
        result.states.append(state(result))
    return result


def state(tally: Tally) -> bytes:
    """Everything the pass keeps, before `finish`, as comparable bytes."""
    return orjson.dumps(_plain(_fields(tally)), option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def _fields(value):
    if hasattr(value, "__struct_fields__"):
        return {name: getattr(value, name) for name in value.__struct_fields__}
    if hasattr(value, "__slots__"):
        return {name: getattr(value, name) for name in value.__slots__}
    return {k: v for k, v in vars(value).items() if k not in ("options", "run", "states")}


def _plain(value):
    if isinstance(value, dict) or type(value).__name__ == "CallCounts":
        return {repr(k): _plain(v) for k, v in value.items()} | {"__order__": [repr(k) for k in value]}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(repr(v) for v in value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "tolist"):
        return value.tolist()
    return _plain(_fields(value))


def report(tally: Tally, sections) -> dict:
    tally.finish()
    return report_to_dict(build_report(tally, PRICER, sections=sections))


@needs_c
@pytest.mark.parametrize(("label", "events"), runs(), ids=[label for label, _ in runs()])
def test_the_compiled_pass_keeps_what_the_reference_keeps(label, events):
    for seed, sections in enumerate(SECTION_SETS):
        compiled, reference = fed(events, sections, True, seed), fed(events, sections, False, seed)
        assert compiled.states == reference.states, sections
        assert report(compiled, sections) == report(reference, sections), sections


@needs_c
@pytest.mark.parametrize(("label", "events"), runs(), ids=[label for label, _ in runs()])
def test_and_from_lines_read_in_place(label, events):
    """Fed blocks of lines (`_tally.Lines`, each line's fields read in place), the pass keeps what the reference
    keeps of msgspec's records, block after block."""
    for seed, sections in enumerate(SECTION_SETS):
        from_lines, reference = fed(events, sections, True, seed, lines=True), fed(events, sections, False, seed)
        assert from_lines.states == reference.states, sections
        assert report(from_lines, sections) == report(reference, sections), sections


@needs_c
@pytest.mark.parametrize("seed", range(8))
def test_and_in_halves(seed):
    """The second half as a boundary pass: what it keeps for the merge, and the merged report."""
    events = looped(seed) if seed % 2 else random_run(seed).events
    root = events[0]["span_id"]
    ends = [i + 1 for i, e in enumerate(events) if e["event_type"].endswith("_end") and e["parent_id"] == root]
    cut = ends[len(ends) // 2]
    if seed % 4 == 0:  # starting with calls under the root
        events, cut = root_calls(seed)
    for sections in (SECTIONS, SECTIONS_READ, DIFF_SECTIONS):
        halves = []
        for compiled, lines in ((True, False), (False, False), (True, True)):
            first = fed(events[:cut], sections, compiled, seed, lines=lines)
            second = fed(events[cut:], sections, compiled, seed, Boundary(root, events[0].get("attrs")), lines=lines)
            halves.append((first, second))
        (c_first, c_second), (py_first, py_second), (l_first, l_second) = halves
        assert l_first.states == py_first.states and l_second.states == py_second.states
        assert _plain(vars(l_second.boundary)) == _plain(vars(py_second.boundary))
        halves.pop()
        assert c_first.states == py_first.states and c_second.states == py_second.states
        assert _plain(vars(c_second.boundary)) == _plain(vars(py_second.boundary))
        verdicts = [merged(first, second) for first, second in halves]
        assert verdicts[0] == verdicts[1] and (verdicts[0] or seed % 2)  # a loop may straddle the cut: refused
        if verdicts[0]:
            assert report(c_first, sections) == report(py_first, sections)


def merged(first: Tally, second: Tally) -> bool:
    try:
        merge(first, second)
    except NotMergeable:
        return False
    return True


@needs_c
def test_a_second_half_that_cannot_merge_says_so_alike():
    """An end whose start is in the other half, and a parent that may be there: the boundary's refusal."""
    events = random_run(3).events
    root = events[0]["span_id"]
    middle = next(i for i, e in enumerate(events) if i > len(events) // 2 and e["event_type"] == "tool_call_end")
    issues = []
    for compiled in (True, False):
        second = fed(events[middle:], SECTIONS, compiled, 3, Boundary(root, None))
        issues.append(second.boundary.issue)
    assert issues[0] is not None and issues[0] == issues[1]


@needs_c
def test_a_window_counts_alike():
    """`--component tool`: the events the window leaves out still shape the spans, as in the reference."""
    events = looped(2)
    def counted(record):  # a window's shape: record -> bool
        return record.component != "llm"

    compiled = fed(events, SECTIONS, True, 0, counted=counted)
    from_lines = fed(events, SECTIONS, True, 0, counted=counted, lines=True)  # each record made for the window
    reference = fed(events, SECTIONS, False, 0, counted=counted)
    assert compiled.analyzed == from_lines.analyzed == reference.analyzed < len(events)
    assert report(compiled, SECTIONS) == report(from_lines, SECTIONS) == report(reference, SECTIONS)


@needs_c
def test_lines_are_a_sequence_of_msgspecs_records():
    """What the reader asks of a block (its length, a record's seq for the index, the event types) is what
    msgspec's list would say; a line msgspec refuses raises its error, so the block is read line by line."""
    events = random_run(4).events
    data = b"".join(msgspec.json.encode(event) + b"\n" + (b"  \r\n" if number == 3 else b"")
                    for number, event in enumerate(events))
    lines, records = tally_module.block_decoder(False)(memoryview(data)), BLOCK_DECODER.decode_lines(data)
    assert type(lines) is not list and len(lines) == len(records) == len(events)
    assert [lines[k] for k in range(len(lines))] == records and lines[-1] == records[-1]
    assert lines.types() == {record.event_type for record in records}
    with pytest.raises(IndexError):
        lines[len(lines)]
    torn = data + b'{"v":1,"run_id":"r","seq":\n'
    with pytest.raises(msgspec.DecodeError):
        tally_module.block_decoder(False)(memoryview(torn))
    assert tally_module.block_decoder(True) == BLOCK_DECODER.decode_lines  # a window sees msgspec's records


@needs_c
@pytest.mark.parametrize("seed", range(4))
def test_lines_know_where_each_starts(seed):
    """A block's lines read in place give each line's byte offset (`LineBlock.offsets` asks them, not the bytes):
    where `newlines.starts` finds each line, with a base added; a blank line has no record and no offset."""
    rng = random.Random(seed)
    events = random_run(seed).events
    spaced = orjson.OPT_INDENT_2  # an event over several lines, made one line again: lines of other lengths
    lines_out = [msgspec.json.encode(event) if rng.random() < 0.5
                 else orjson.dumps(event, option=spaced).replace(b"\n", b" ") for event in events]
    data = b"".join(line + b"\n" for line in lines_out)
    base = rng.randrange(1 << 40)
    lines = tally_module.block_decoder(False)(memoryview(data))
    assert list(lines.offsets(base)) == list(newlines.starts(data, len(data), base))
    with_blank = data[:len(lines_out[0]) + 1] + b" \t\r\n" + data[len(lines_out[0]) + 1:]
    found = tally_module.block_decoder(False)(memoryview(with_blank)).offsets(0)
    assert list(found) == [0, *[offset + 4 for offset in newlines.starts(data, len(data), 0)[1:]]]


@needs_c
def test_the_two_take_turns_on_one_tally():
    """Blocks fed one way, then the other: one state."""
    events = damaged(looped(5), random.Random(5))
    mixed = Tally(options(SECTIONS))
    mixed.begin(events[0]["run_id"], "run", ("run.jsonl",))
    for number, block in enumerate(blocks(events, random.Random(9))):
        (mixed.feed if number % 2 else mixed.feed_py)(block)
    assert state(mixed) == state(fed(events, SECTIONS, False, 9))


@needs_c
def test_what_it_does_not_take_goes_to_the_reference():
    from namel3ss_debug.analysis import _tally  # noqa: PLC0415 - only where it was compiled

    result = Tally(options(SECTIONS))
    records = [record_from_dict(event)[0] for event in random_run(1).events]
    assert _tally.feed(result, records) is NotImplemented  # no run begun
    result.begin("run", "run", ("run.jsonl",))
    assert _tally.feed(result, tuple(records)) is NotImplemented
    assert _tally.feed(result, [*records[:3], object()]) is NotImplemented
    assert result.analyzed == 0
    result.feed(tuple(records))  # the reference takes any iterable
    assert result.analyzed == len(records)


def many_seconds(seed: int) -> list[dict]:
    """Spans ending two or three to a second over more seconds than the buckets hold (so they coarsen while a
    bucket is kept), some failing; times written oddly now and then (short, not a time, not ASCII); and more
    event types than a block's table of types has room for."""
    rng = random.Random(seed)
    trace = TraceBuilder()
    trace.run_start()
    odd = ["", "x", "2026-11-22T10:00", "2026-11-22T10:00:0", "2026-11-22T10:00:00", "2026-11-22T10:00:00é1",
           "２０２６-11-22T10:00:00.5Z"]
    for number in range(MAX_BUCKETS * 3 // 2):
        span = trace.start("tool", f"t{number % 3}", kind=f"kind{number % 60}" if rng.random() < 0.05 else None)
        trace.advance(rng.choice((400.0, 500.0, 1000.0, 1200.0)))
        trace.end(span, 5, status="failed" if rng.random() < 0.1 else "completed",
                  kind=f"kind{number % 60}" if trace.events[-1]["event_type"].startswith("kind") else None)
        if rng.random() < 0.02:
            trace.events[-1]["ts"] = rng.choice(odd)
        if rng.random() < 0.03:
            trace.instant(f"custom_{number % 70}", "app", "note")
    trace.run_end()
    return trace.events


@needs_c
@pytest.mark.parametrize("seed", range(3))
def test_kept_buckets_and_counted_types_leave_what_the_reference_leaves(seed):
    """What the C pass keeps between events (the last time bucket, a block's counts of types) changes nothing:
    not when the buckets coarsen, a time is short or odd, or a block has more types than the table holds."""
    events = many_seconds(seed)
    assert len({e["event_type"] for e in events}) > 48  # past the table's room
    for sections in (SECTIONS, ("anomalies",)):
        compiled, reference = (Tally(options(sections)) for _ in range(2))
        for tally, feed in ((compiled, compiled.feed), (reference, reference.feed_py)):
            tally.begin(events[0]["run_id"], "run", ("run.jsonl",))
            records = [record_from_dict(event)[0] for event in events]
            for start in range(0, len(records), 4000):  # big blocks: coarsening happens inside one
                feed(records[start:start + 4000])
        assert compiled.run.bucket_chars < 19  # coarsened
        assert state(compiled) == state(reference)
        assert report(compiled, sections) == report(reference, sections)
