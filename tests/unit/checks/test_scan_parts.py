"""`check`'s scan of one big run read in parts (`checks/scan_parts.py`): each part scanned as its worker scans it
(beside its tally, up to where the tally stopped), joined in its place when `settled` says so, else scanned by the
asking process; the scan then holds what one scan of every event in order holds, whatever the cuts: on the golden
answers' traces, on random and broken runs, with every rule kind and limits the runs cross inside a part."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest
from support.analysisruns import random_run
from support.splitruns import Source, broken, cuts_checked, golden_lines, options, written
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.analysis.split_run import SkippedPart, read_split, tally_part
from namel3ss_debug.analysis.tally import Tally
from namel3ss_debug.checks import scan as scan_module
from namel3ss_debug.checks import scan_parts
from namel3ss_debug.checks.results import MAX_EVENTS, EventRef
from namel3ss_debug.checks.rules import rules_from_flags
from namel3ss_debug.checks.run import new_scan
from namel3ss_debug.checks.scan import EventScan
from namel3ss_debug.checks.scan_parts import PartScan, ScanRecipe
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import LineRange, TraceReader
from namel3ss_debug.store.sources import resolve_sources

GOLDEN = sorted((Path(__file__).parents[2] / "golden" / "answers" / "traces").glob("*.jsonl"))
# every rule kind the scan keeps events for, with limits the runs cross (a call limit inside a part, too)
FLAGS = {"max_errors": "0", "max_component_errors": ("tool=0", "llm=1"), "max_p95": ("llm=1ms",),
         "max_p99": ("tool=5ms",), "max_latency": ("agent=1ms", "tool:*=2ms"), "max_llm_calls": "3",
         "max_tool_calls": "7", "max_duration": "1s", "require": ("llm", "tool:search", "error:auth"),
         "forbid": ("tool:fetch", "agent_turn"), "require_order": ("agent,llm,tool,llm", "tool,agent"),
         "clean_integrity": True, "forbid_secrets": True}
RULES = rules_from_flags(FLAGS)
SECRET = "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0" * 3  # an OpenAI project key, in some events' inputs


def scan_state(scan: EventScan) -> dict:
    """Everything a rule reads of the scan, as plain values."""
    return {"specs": {text: (found.count, found.refs()) for text, (_, found) in scan.specs.items()},
            "orders": {text: order.matched for text, order in scan.orders.items()},
            "latency": {key: (found.count, found.refs()) for key, (_, _, found) in scan.latency.items()},
            "failed": {key: (found.count, found.refs()) for key, found in scan.failed_by_component.items()},
            "calls": {key: (found.count, found.refs()) for key, (_, found) in scan.call_limits.items()},
            "biggest": (scan.biggest_llm_calls.count, scan.biggest_llm_calls.refs()),
            "secrets": (scan.secret_events.count, scan.secret_events.refs()),
            "places": list(scan.places.items()), "seen": list(scan.seen), "events": scan.events, "last": scan.last}


def one_scan(path: str) -> dict:
    scan = new_scan(RULES)
    [source] = resolve_sources([path])
    for block in TraceReader(ReadProblems()).line_blocks(source):
        scan.see_block(block, path)
    return scan_state(scan)


def part_scan(path: str, starts: list[int], span: LineRange) -> tuple[object, PartScan]:
    """A part tallied and scanned as a worker does it (`ops/reading/parts._told`), given back pickled."""
    reader = TraceReader(ReadProblems())
    head = [record for block in reader.span_records(path, LineRange(0, min(starts[min(64, len(starts) - 1)],
                                                                       span.start), 1)) for record in block]
    scan = ScanRecipe(tuple(RULES)).part_scan()
    told = tally_part(head, reader.span_line_blocks(path, span), span, options(), Source(), 0,
                      lambda block, upto: scan.see_block(block, path, upto))
    return pickle.loads(pickle.dumps((told, scan.packed())))


def parted_scan(path: str, starts: list[int], cuts: list[int]) -> tuple[dict, int]:
    """The run's scan with a part from each cut, as `reading/parts.read_in_parts` reads it; and how many parts were
    joined (their tally and their scan)."""
    bounds = [0, *(starts[at] for at in cuts), starts[-1]]
    lines = [1, *(at + 1 for at in cuts)]
    spans = [LineRange(bounds[at], bounds[at + 1], lines[at]) for at in range(len(bounds) - 1)]
    told = [part_scan(path, starts, span) for span in spans[1:]]
    scan, reader = new_scan(RULES), TraceReader(ReadProblems())
    tally = Tally(options())
    tally.begin_source(Source())

    def read(span):
        for block in reader.span_line_blocks(path, span):
            scan.see_block(block, path)
            yield block.records

    def settled(number):
        return scan_parts.settled(scan, told[number][1])

    def joined(number):
        scan_parts.join(scan, told[number][1])

    count = read_split(tally, read, spans, (part for part, _ in told), joined, settled)
    return scan_state(scan), count


def check_cuts(tmp_path: Path, events: list, rng: random.Random, times: int) -> int:
    return cuts_checked(tmp_path, events, rng, times, one_scan, parted_scan)


@pytest.mark.parametrize("path", GOLDEN, ids=[path.stem for path in GOLDEN])
def test_a_golden_run_scanned_in_parts_is_scanned_as_one_scan_sees_it(path, tmp_path):
    assert check_cuts(tmp_path, golden_lines(path), random.Random(path.stem), 16) >= 0  # 13 runs x 16 sets of cuts


def with_secrets(events: list, rng: random.Random) -> list:
    """The events, a few of whose inputs hold an API key (for `forbid_secrets`)."""
    events = [dict(event) for event in events]
    for at in rng.sample(range(len(events)), min(4, len(events))):
        events[at]["inputs"] = {"api_key": SECRET, "q": "x"}
    return events


@pytest.mark.parametrize("seed", range(8))
def test_a_random_run_scanned_in_parts_is_scanned_as_one_scan_sees_it(seed, tmp_path):
    rng = random.Random(seed)
    assert check_cuts(tmp_path, with_secrets(random_run(seed).events, rng), rng, 12)  # parts were joined


def calls_run(tmp_path: Path, requests: int) -> tuple[str, list[int], list[int]]:
    """Requests one after another under the root, an agent with one LLM call each; with where each agent starts."""
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(requests):
        agent = trace.start("agent", "a")
        trace.span("llm", "chat", 10, agent)
        trace.end(agent, 20)
    trace.run_end()
    path, starts = written(tmp_path, trace.events)
    return path, starts, [at for at, event in enumerate(trace.events) if event["event_type"].startswith("agent_ex")
                          and event["event_type"].endswith("_start")]


@pytest.mark.parametrize("seed", range(6))
def test_a_broken_run_scanned_in_parts_is_scanned_as_one_scan_sees_it(seed, tmp_path):
    """Lines dropped, repeated (a failure placed twice), swapped, renumbered; a run cut short (its last event in a
    part); at the caps of the errors placed and the labels met, small here."""
    rng = random.Random(seed)
    for number in range(8):
        events = broken(with_secrets(random_run(rng.randrange(100)).events, rng), rng)
        if number % 2:
            events = events[:rng.randrange(len(events) // 2, len(events))]  # no run_end: the run crashed
        check_cuts(tmp_path, events, rng, 4)


@pytest.mark.parametrize("seed", range(4))
def test_at_small_caps_a_run_scanned_in_parts_is_scanned_as_one_scan_sees_it(seed, tmp_path, monkeypatch):
    for module in (scan_module, scan_parts):
        monkeypatch.setattr(module, "MAX_PLACES", 3)
        monkeypatch.setattr(module, "MAX_SEEN", 4)
    rng = random.Random(seed)
    for _ in range(6):
        events = broken(random_run(rng.randrange(100)).events, rng)
        failed = [at for at, event in enumerate(events) if event.get("status") == "failed"]
        for at in rng.sample(failed, min(3, len(failed))):  # a failure written again, further on
            events.insert(rng.randrange(at, len(events)), dict(events[at]))
        check_cuts(tmp_path, events, rng, 6)


def test_a_call_limit_crossed_past_a_parts_first_calls_refuses_the_part(tmp_path):
    """The run's 4th LLM call is the first past the limit of 3; a part holding calls 2 to 20 kept its first 5 (2 to
    6) only, and one scan keeps calls 4 to 8: the part is refused and scanned here."""
    path, starts, agents = calls_run(tmp_path, 20)
    cut = agents[1]
    _, part = part_scan(path, starts, LineRange(starts[cut], starts[-1], cut + 1))
    scan = new_scan(RULES)
    for block in TraceReader(ReadProblems()).span_line_blocks(path, LineRange(0, starts[cut], 1)):
        scan.see_block(block, path)
    limit, mine = scan.call_limits["llm"]
    assert (limit, mine.count, part.call_limits["llm"][1].count) == (3, 1, 19)
    assert not scan_parts.settled(scan, part)
    assert parted_scan(path, starts, [cut]) == (one_scan(path), 0)
    late = agents[MAX_EVENTS + 1]  # a part from the 7th call: one scan keeps 4 to 8, the part's first 5 hold 7, 8
    got, joined = parted_scan(path, starts, [late])
    assert (got, joined) == (one_scan(path), 1)
    assert [ref.detail for ref in got["calls"]["llm"][1]] == [f"call {number}" for number in range(4, 9)]
    # calls as slow as each other: the latest are the slowest kept, the part's after the run's before the cut
    assert parted_scan(path, starts, [agents[15]]) == (one_scan(path), 1)


def test_an_error_placed_twice_in_a_part_past_the_cap_refuses_it(tmp_path, monkeypatch):
    """One scan keeps an error's first place once the cap is reached; the part, under its own cap, kept the later
    one: it is refused. Below the cap, it is joined (one scan too keeps the later place)."""
    for module in (scan_module, scan_parts):
        monkeypatch.setattr(module, "MAX_PLACES", 3)
    trace = TraceBuilder()
    trace.run_start()
    for number in range(3):
        agent = trace.start("agent", "a")
        for _ in range(2 if number else 1):
            trace.instant("error_occurred", "tool", "KeyError", agent, status="failed", error=error("KeyError", "x"))
        if number == 1:
            trace.events.append(dict(trace.events[-2]))  # its first error written again
        trace.end(agent, 20)
    trace.run_end()
    path, starts = written(tmp_path, trace.events)
    cut = next(at for at, event in enumerate(trace.events) if event["event_type"] == "agent_execution_start"
               and at > 3)
    assert parted_scan(path, starts, [cut]) == (one_scan(path), 0)
    monkeypatch.setattr(scan_module, "MAX_PLACES", 10)
    monkeypatch.setattr(scan_parts, "MAX_PLACES", 10)
    assert parted_scan(path, starts, [cut]) == (one_scan(path), 1)


def test_a_run_end_in_a_part_is_the_runs_end(tmp_path):
    """A broken file: a run_end ending an agent (the part tallies it as that agent's end); one scan takes the
    first run_end as the run's end, and so does the join."""
    trace = TraceBuilder()
    trace.run_start()
    agents = [trace.start("agent", "a") for _ in range(1)]
    trace.end(agents[0], 20)
    second = trace.start("agent", "b")
    cut = len(trace.events) - 1
    trace.span("llm", "chat", 10, second)
    trace.events.append({**trace.events[cut], "event_type": "run_end", "component": "app", "seq": -1,
                         "status": "completed", "duration_ms": 5.0})
    trace.end(second, 30)
    trace.run_end()
    for seq, event in enumerate(trace.events):
        event["seq"] = seq
    path, starts = written(tmp_path, trace.events)
    want = one_scan(path)
    assert want["last"].event_type == "run_end" and want["last"].seq == cut + 3
    assert parted_scan(path, starts, [cut]) == (want, 1)


def test_an_order_is_followed_from_where_the_run_had_got_to_at_the_cut(tmp_path):
    events = random_run(2).events
    path, starts = written(tmp_path, events)
    want = one_scan(path)
    assert want["orders"]["agent,llm,tool,llm"]  # matched, at least in part
    for cut in range(1, len(events)):  # each cut: the order may be at any of its specs
        assert parted_scan(path, starts, [cut])[0] == want


def test_a_part_given_back_holds_no_record_only_refs(tmp_path):
    path, starts, agents = calls_run(tmp_path, 4)
    told, part = part_scan(path, starts, LineRange(starts[agents[1]], starts[-1], agents[1] + 1))
    assert not isinstance(told, SkippedPart) and part.events > 0
    assert isinstance(part.last_place, EventRef)
    assert part.run_end_place is None  # the part stopped at the root's end: the asking process's
    assert not part._plans and part._pick is None and part.secrets is None
