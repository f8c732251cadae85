"""`check`'s event scan in C (`checks/_see.c`) keeps what the reference (`EventScan._see_all`) keeps: on random
runs, rules and block sizes, in a whole run and in a second half, every count, example, order, place and plan. The
C scan takes each block as msgspec's records and as the lines analyze's scan reads in place (`_tally.Lines`, what
`check` reads); the reference takes msgspec's records."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import orjson
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))
from test_check_halves import random_flags, server_run

from namel3ss_debug.analysis.tally import block_decoder
from namel3ss_debug.checks import scan as scan_module
from namel3ss_debug.checks.rules import active, rules_from_flags
from namel3ss_debug.checks.scan import EventScan
from namel3ss_debug.store import blocks
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.records import BLOCK_DECODER
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

pytestmark = pytest.mark.skipif(not scan_module.ACCELERATED, reason="the C extension was not compiled on this install")


def scanned(path: Path, rules, second_half: bool, compiled: bool, monkeypatch, lines: bool = False) -> EventScan:
    """The run's blocks scanned, in C or by the reference; `lines`: each block read as `_tally.Lines`."""
    monkeypatch.setattr(scan_module, "_compiled", scan_module._compiled if compiled else None)
    scan = EventScan(rules, second_half=second_half)
    source = RunSource(str(path), (str(path),))
    decode = block_decoder(filtered=False) if lines else BLOCK_DECODER.decode_lines
    for block in TraceReader(ReadProblems(), write_index=False).line_blocks(source, decode):
        scan.see_block(block, str(path))
    return scan


def state(scan: EventScan) -> dict:
    orders = {target: [(order.start, order.matched) for order in orders] for target, orders in scan.orders.items()}
    plans = {key: (plan.labelled, plan.busy) for key, plan in scan._plans.items()}
    return {"events": scan.events, "places": scan.places, "place_log": scan.place_log, "specs": scan.specs,
            "orders": orders, "latency": scan.latency, "failed": scan.failed_by_component, "calls": scan.call_limits,
            "biggest": scan.biggest_llm_calls, "seen": list(scan.seen), "last": scan._last, "run_end": scan._run_end,
            "plans": plans}


def written_short(path: Path, rng: random.Random) -> Path:
    """The run with its durations and costs written short, as the tracer writes them (the scan reads a float of at
    most 15 digits exactly, and leaves a longer one to msgspec), and some failures without their error (the scan
    leaves an error to msgspec): so that the C scan reads LLM calls' ends and failures from scanned lines too. Some
    LLM calls get a cost and a total of tokens other than input + output, which the biggest calls are ranked by,
    and in some runs some names are not ASCII."""
    events = [orjson.loads(line) for line in path.read_bytes().splitlines()]
    costs = rng.random() < 0.5  # else the calls are ranked by their tokens alone
    accented = rng.random() < 0.5  # names not all ASCII: their plans are not found by the line's bytes
    for event in events:
        if accented and isinstance(event.get("name"), str) and len(event["name"]) % 2:
            event["name"] += "-é"
        usage = event.get("usage")
        if isinstance(usage, dict) and rng.random() < 0.5:
            both = (usage.get("input_tokens") or 0) + (usage.get("output_tokens") or 0)
            usage["total_tokens"] = both + rng.randrange(1, 5000)
        if costs and event.get("event_type") == "llm_call_end" and rng.random() < 0.5:
            event["cost_usd"] = rng.random() / 100
        for key, places in (("duration_ms", 3), ("cost_usd", 6)):
            if isinstance(event.get(key), float):
                event[key] = round(event[key], places)
        if event.get("status") == "failed" and rng.random() < 0.5:
            event.pop("error", None)
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    return path


@pytest.mark.parametrize("seed", range(24))
def test_the_compiled_scan_keeps_what_the_reference_keeps(tmp_path, monkeypatch, seed):
    rng = random.Random(seed)
    path = server_run(rng, rng.randrange(20, 120)).write(tmp_path / "run.jsonl")
    if seed % 2 == 0:
        path = written_short(path, rng)
    rules = active(rules_from_flags(random_flags(rng)))
    monkeypatch.setattr(blocks, "BLOCK_SIZE", rng.choice((2048, 8192, 1 << 20)))  # plans met again block after block
    second_half = seed % 4 == 3
    compiled = scanned(path, rules, second_half, True, monkeypatch, lines=seed % 2 == 0)
    reference = scanned(path, rules, second_half, False, monkeypatch)
    assert state(compiled) == state(reference)
    assert compiled.events > 0 and compiled.specs and compiled.biggest_llm_calls.count > 0


def test_only_what_only_counts_is_counted_in_c(tmp_path, monkeypatch):
    """Limits no event passes: every rule only counts, past the first examples, in C; the reference agrees."""
    path = server_run(random.Random(7), 200).write(tmp_path / "run.jsonl")
    rules = active(rules_from_flags({"require": ("llm",), "max_llm_calls": "100000", "max_latency": ("agent=1h",),
                                     "require_order": ("agent,llm",), "max_cost": "1000"}))
    handed = []
    real = EventScan._occurrence

    def occurrence(self, *args):
        handed.append(args[0].seq)
        return real(self, *args)

    monkeypatch.setattr(EventScan, "_occurrence", occurrence)
    compiled = scanned(path, rules, False, True, monkeypatch, lines=True)
    in_c = len(handed)
    reference = scanned(path, rules, False, False, monkeypatch)
    assert state(compiled) == state(reference)
    assert 0 < in_c < len(handed) - in_c  # the C scan handed over the first examples only
