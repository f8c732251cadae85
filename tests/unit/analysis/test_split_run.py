"""One big run read in parts (`split_run.py`, `part_tally.py`, `join.py`) gives the report one pass gives, byte for
byte, wherever the cuts fall: on the golden answers' traces, on random runs holding every figure, on broken copies
of them (lines dropped, repeated, swapped, reparented, failed, renumbered), at 200 random cuts and more."""

from __future__ import annotations

import json
import random
from pathlib import Path

import orjson
import pytest
from support.analysisruns import random_run

from namel3ss_debug.analysis.build import build_report
from namel3ss_debug.analysis.join import join
from namel3ss_debug.analysis.part_tally import PartTally
from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.report import SECTIONS
from namel3ss_debug.analysis.run_state import FINDING_SECTIONS, Options
from namel3ss_debug.analysis.split_run import Skipped, cut_of, feed_split, tally_part
from namel3ss_debug.analysis.tally import Tally
from namel3ss_debug.render.analyze.analyze_json import report_to_dict
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.records import record_from_dict
from namel3ss_debug.store.sources import resolve_sources

GOLDEN = sorted((Path(__file__).parents[2] / "golden" / "answers" / "traces").glob("*.jsonl"))
PRICER = Pricer(file_prices={"m": {"input": 1.0, "output": 2.0}})
PARTED = frozenset(SECTIONS) - FINDING_SECTIONS  # the sections a pass in parts reads (the findings' collector: not)


class Source:
    label, files, run_id = "run", ("run.jsonl",), None


def options():
    return Options(slow_threshold_ms=50, block_threshold_ms=30, context_window=lambda model: 1000,
                   price=lambda model, tokens_in, tokens_out: None, sections=PARTED)


def blocks(records, size):
    return [records[at:at + size] for at in range(0, len(records), size)]


def document(tally):
    tally.finish()
    return json.dumps(report_to_dict(build_report(tally, PRICER, sections=sorted(PARTED))), sort_keys=True)


def whole(records):
    tally = Tally(options())
    tally.begin_source(Source())
    for block in blocks(records, 97):
        tally.feed(block)
    return document(tally)


def parted(records, cuts, size=61):
    """The run read with a part from each cut (the records before the first: the asking process's)."""
    names = [cut_of(records[at]) for at in cuts]
    parts = [tally_part(blocks(records, size), name, names[at + 1] if at + 1 < len(names) else None, options(),
                        Source(), 0) for at, name in enumerate(names)]
    tally = Tally(options())
    tally.begin_source(Source())
    joined = feed_split(tally, blocks(records, 97), names, parts)
    return document(tally), joined


def cuts_in(rng, records, most=5):
    return sorted(rng.sample(range(1, len(records)), min(rng.randint(1, most), len(records) - 1)))


def golden_records(path):
    [source] = resolve_sources([str(path)])
    return [record for block in TraceReader(ReadProblems()).records(source) for record in block]


def records_of(events):
    return [record_from_dict(event)[0] for event in events]


@pytest.mark.parametrize("path", GOLDEN, ids=[path.stem for path in GOLDEN])
def test_a_golden_run_read_in_parts_is_read_as_one_pass_reads_it(path):
    records = golden_records(path)
    want, rng, joined = whole(records), random.Random(path.stem), 0
    for _ in range(16):  # 13 runs: 208 random cuts, and more
        got, count = parted(records, cuts_in(rng, records))
        assert got == want
        joined += count
    assert joined  # parts were joined, not only tallied again here


@pytest.mark.parametrize("seed", range(8))
def test_a_random_run_read_in_parts_is_read_as_one_pass_reads_it(seed):
    records = records_of(random_run(seed).events)
    rng = random.Random(seed)
    want = whole(records)
    for _ in range(12):
        assert parted(records, cuts_in(rng, records), size=rng.choice([1, 7, 500]))[0] == want


def broken(events, rng):
    """A copy of `events` with a few lines dropped, repeated, swapped, reparented, failed or renumbered."""
    events = [dict(event) for event in events]
    ids = [event["span_id"] for event in events] + ["ffffffffffffffff"]
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(1, len(events) - 2)
        change = rng.choice(["drop", "repeat", "swap", "parent", "fail", "seq", "report"])
        if change == "drop":
            del events[at]
        elif change == "repeat":
            events.insert(at, dict(events[at]))
        elif change == "swap":
            events[at], events[at + 1] = events[at + 1], events[at]
        elif change == "parent":
            events[at]["parent_id"] = rng.choice(ids)
        elif change == "fail" and events[at]["event_type"].endswith("_end"):
            events[at].update(status="failed", error={"type": rng.choice(["ValueError", "KeyError"]), "message": "x"})
        elif change == "seq":
            events[at]["seq"] += rng.randint(-2, 3)
        elif change == "report":
            events.insert(at, {**events[at], "event_type": "error_occurred", "component": "app", "name": "KeyError",
                               "span_id": f"e{rng.getrandbits(60):015x}", "status": "failed",
                               "parent_id": events[at].get("parent_id") or events[at]["span_id"],
                               "error": {"type": "KeyError", "message": "x"},
                               "attrs": {"unhandled": rng.random() < 0.5}})
    return events


@pytest.mark.parametrize("seed", range(10))
def test_a_broken_run_read_in_parts_is_read_as_one_pass_reads_it(seed):
    rng = random.Random(seed)
    for _ in range(12):
        events = broken(random_run(rng.randrange(100)).events, rng)
        records = records_of(orjson.loads(orjson.dumps(event)) for event in events)
        want = whole(records)
        for _ in range(3):
            assert parted(records, cuts_in(rng, records))[0] == want


def test_a_part_stops_at_the_first_record_under_a_span_open_at_its_cut():
    records = records_of(random_run(3).events)
    inside = next(at for at, record in enumerate(records) if record.event_type == "agent_turn_start") + 1
    part = tally_part([records], cut_of(records[inside]), None, options(), Source(), 0)
    assert not isinstance(part, Skipped)
    assert (part.start, part.stop) == (inside, inside)  # the turn's first call: its parent is open at the cut
    assert part.run.events == 0


def test_the_join_refuses_a_part_cut_after_a_failed_request_and_the_run_is_read_as_one_pass_reads_it():
    for seed in range(200):
        records = records_of(random_run(seed).events)
        after = [at + 1 for at, record in enumerate(records[:-1]) if record.event_type == "agent_execution_end"
                 and record.status == "failed" and records[at + 1].event_type == "agent_execution_start"]
        if after:
            break
    cut = after[0]
    part = tally_part([records], cut_of(records[cut]), None, options(), Source(), 0)
    assert part.run.events > 0  # the part tallied the next request, on a root whose last child had not failed
    before = Tally(options())
    before.begin_source(Source())
    before.feed(records[:cut])
    assert join(before, part) is False  # a retry of the failed request would be decided on it
    assert before.run.events == cut  # refused, nothing is changed
    assert parted(records, [cut]) == (whole(records), 0)


def test_a_part_at_a_cut_between_requests_is_joined_up_to_the_runs_end():
    records = records_of(random_run(3).events)
    between = [at for at, record in enumerate(records)
               if record.event_type == "agent_execution_start" and at > 2]
    part = tally_part([records], cut_of(records[between[0]]), None, options(), Source(), 0)
    assert records[part.stop].event_type in ("run_end", "agent_execution_end", "error_occurred") or part.stop > 0
    tally = Tally(options())
    tally.begin_source(Source())
    tally.feed(records[:between[0]])
    assert join(tally, part) is True
    tally.feed(records[part.stop:])
    assert document(tally) == whole(records)


def test_a_part_of_another_runs_records_adds_nothing():
    one, other = records_of(random_run(1).events), records_of(random_run(2).events)
    other = [record_from_dict({**orjson.loads(orjson.dumps(_plain(record))), "run_id": "other"})[0]
             for record in other]
    records = one + other
    part = tally_part([records], cut_of(records[len(one) + 3]), None, options(), Source(), 0)
    assert isinstance(part, Skipped)
    got, joined = parted(records, [len(one) + 3])
    assert joined == 0 and got == whole(records)


def test_the_diagnosis_is_not_tallied_in_parts():
    with pytest.raises(ValueError, match="diagnosis"):
        PartTally(Options(sections=frozenset(SECTIONS)), Source())


def _plain(record):
    return {name: getattr(record, name) for name in ("v", "run_id", "seq", "ts", "event_type", "component", "name",
                                                      "span_id", "parent_id", "status", "duration_ms")
            if name == "parent_id" or getattr(record, name) is not None}


def test_a_request_numbered_as_the_last_ones_end_is_not_read_as_following_it():
    """A broken file: the request after the cut starts with the seq of the previous request's end. One pass does
    not chain it after that request (`critical.py`: a child follows one that ended before it started)."""
    events = random_run(4).events
    at = next(at for at, event in enumerate(events) if event["event_type"] == "agent_execution_start" and at > 2)
    events[at]["seq"] = events[at - 1]["seq"]
    records = records_of(events)
    assert parted(records, [at]) == (whole(records), 0)
