"""A run read in parts as `analyze --jobs` reads it, in this process, and as one pass reads it, for the tests of
`split_run.py`, `part_tally.py`, `join.py` and `diagnosis/parts/join.py`: each gives the report with every section
and what the diagnosis's collector kept (`diagnosisruns.clue_state`), as one text to compare."""

from __future__ import annotations

import json
import pickle

import orjson
from support.diagnosisruns import clue_state

from namel3ss_debug.analysis.build import build_report
from namel3ss_debug.analysis.prices import Pricer
from namel3ss_debug.analysis.records.report import SECTIONS
from namel3ss_debug.analysis.run_state import Options
from namel3ss_debug.analysis.split_run import read_split, tally_part
from namel3ss_debug.analysis.tally import Tally
from namel3ss_debug.render.analyze.analyze_json import report_to_dict
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import LineRange, TraceReader
from namel3ss_debug.store.sources import resolve_sources

PRICER = Pricer(file_prices={"m": {"input": 1.0, "output": 2.0}})
PARTED = frozenset(SECTIONS)  # every section, the diagnosis's too


class Source:
    label, files, run_id = "run", ("run.jsonl",), None


def options():
    return Options(slow_threshold_ms=50, block_threshold_ms=30, context_window=lambda model: 1000,
                   price=price, sections=PARTED)


def price(model, tokens_in, tokens_out):
    """The diagnosis's price of a call: known for model `m` only (a cost that is a sum of odd floats)."""
    return (tokens_in or 0) * 1.1e-6 + (tokens_out or 0) * 3.3e-6 if model == "m" else None


def document(tally):
    """The report, and what the diagnosis's collector kept of each run (more than the report shows)."""
    tally.finish()
    report = report_to_dict(build_report(tally, PRICER, sections=sorted(PARTED)))
    return json.dumps({"report": report, "clues": clue_state(tally.clues)}, sort_keys=True)


def written(tmp_path, events):
    """The events (dicts, or lines) as a trace file, and the byte offset where each line starts (and the file's
    end)."""
    path = tmp_path / f"run{len(list(tmp_path.iterdir()))}.jsonl"
    lines = [(event if isinstance(event, bytes) else orjson.dumps(event)) + b"\n" for event in events]
    path.write_bytes(b"".join(lines))
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    return str(path), starts


def golden_lines(path):
    """The lines of a golden answers' trace (`tests/golden/answers/traces`), blank ones left out."""
    return [line for line in path.read_bytes().splitlines() if line.strip()]


def cuts_checked(tmp_path, events, rng, times, one, in_parts, children=False):
    """`times` random sets of 1 to 5 cuts in a file of `events`, each read in parts (`in_parts(path, starts, cuts)`:
    what it holds and how many parts were joined) and held to what one pass holds (`one(path)`). With `children`,
    every other set is cut at lines that start a child of the run's root (where `ops/reading/parts.py` cuts a big
    run, and where a part can be joined). Returns the parts joined."""
    path, starts = written(tmp_path, events)
    want, joined = one(path), 0
    root = next((event["span_id"] for event in events if isinstance(event, dict) and event["parent_id"] is None), None)
    roots_children = [at for at, event in enumerate(events) if at and isinstance(event, dict)
                      and event["parent_id"] == root and event["status"] == "started"] if children else []
    for round_ in range(times):
        lines = roots_children if round_ % 2 and roots_children else range(1, len(events))
        cuts = sorted(rng.sample(lines, min(rng.randint(1, 5), len(lines))))
        got, count = in_parts(path, starts, cuts)
        assert got == want, cuts
        joined += count
    return joined


def whole(records):
    tally = Tally(options())
    tally.begin_source(Source())
    for at in range(0, len(records), 97):
        tally.feed(records[at:at + 97])
    return document(tally)


def part_of(path, starts, span, head=64):
    reader = TraceReader(ReadProblems())
    first = [record for block in reader.span_records(path, LineRange(0, min(starts[min(head, len(starts) - 1)],
                                                                            span.start), 1))
             for record in block]
    told = tally_part(first, reader.span_line_blocks(path, span), span, options(), Source(), 0)
    return pickle.loads(pickle.dumps(told))  # as a worker gives it back: one pickle, its shared objects shared


def parted(path, starts, cuts):
    """The run read with a part from each cut (the lines before the first: the asking process's)."""
    bounds = [0, *(starts[at] for at in cuts), starts[-1]]
    lines = [1, *(at + 1 for at in cuts)]
    spans = [LineRange(bounds[at], bounds[at + 1], lines[at]) for at in range(len(bounds) - 1)]
    parts = [part_of(path, starts, span) for span in spans[1:]]
    reader = TraceReader(ReadProblems())
    tally = Tally(options())
    tally.begin_source(Source())
    joined = read_split(tally, lambda span: reader.span_records(path, span), spans, parts, lambda number: None)
    return document(tally), joined


def read_back(path):
    [source] = resolve_sources([path])
    return [record for block in TraceReader(ReadProblems()).records(source) for record in block]


def broken(events, rng):
    """A copy of `events` with a few lines dropped, repeated, swapped, reparented, failed or renumbered, and error
    reports put in (some unhandled)."""
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
