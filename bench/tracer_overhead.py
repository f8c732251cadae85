"""Tracer overhead: our write path against its floor, stdlib logging and the OpenTelemetry SDK.

    python bench/tracer_overhead.py            # 5 repeats of 20,000 events
    python bench/tracer_overhead.py --quick    # 5 repeats of 2,000 events
    python bench/tracer_overhead.py --events 50000 --json

All alternatives get the same events: a pool of 1,000 distinct ~1.3 KB `llm_call_end` events, cycled,
each handed over as a fresh shallow copy (the tracer sets `seq` on the dict it gets), so no cache
flatters anyone and every alternative pays the same copy. Repeats are interleaved across the
alternatives in a rotating order, GC stays on and is collected before each repeat.
What each line measures: bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

# Tracing must start off: the "off" figures need no active run, and an enabled environment or
# workspace file would otherwise start one at import. The environment beats the workspace file.
os.environ["NAMEL3SS_DEBUG_ENABLED"] = "0"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson

import namel3ss_debug
from namel3ss_debug.redaction import scan
from namel3ss_debug.tracer.serialize import dumps as tracer_dumps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead_workloads import (
    BUFFER_SIZE, CALLS_PER_EVENT, OTEL_VERSION, POOL_SIZE, cycle_to, fast_path_share, in_fresh_dir, make_pool,
    measure_async_calls, measure_floor, measure_logging, measure_otel, measure_ours, measure_sync_calls,
    measure_traced_on, plain_llm, plain_tool, traced_llm, traced_tool,
)

SCHEMA = "namel3ss-debug/bench-tracer-overhead/1"
REPEATS = 5
TARGETS = {  # name -> (comparison, bound)
    "ours_over_floor": ("<=", 3.0),
    "otel_over_ours": (">=", 4.0),
    "off_ns_added_sync": ("<=", 500.0),
    "slow_path_us": ("<=", 20.0),  # an event holding a secret, the whole write (issue 15)
    # the same against the floor measured in this run (20 us over the quiet machine's floor of 1.1 us), which
    # holds on a busy machine, where every absolute figure grows
    "slow_path_over_floor": ("<=", 18.0),
}


def collect(events_n: int, repeats: int, root: Path) -> dict[str, Any]:
    """Run every measure `repeats` times, interleaved; per-item nanoseconds for each run."""
    pool, slow_pool = make_pool(1), make_pool(2, long_token=True)
    events, slow_events = cycle_to(pool, events_n), cycle_to(slow_pool, events_n)
    calls = events_n * CALLS_PER_EVENT
    stats: dict[str, Any] = {"loadavg_start": _loadavg()}
    measures: list[tuple[str, int, Callable[[], int]]] = [
        ("ours", events_n, lambda: in_fresh_dir(root, lambda d: measure_ours(events, d, stats))),
        ("floor", events_n, lambda: in_fresh_dir(root, lambda d: measure_floor(events, d))),
        ("logging", events_n, lambda: in_fresh_dir(root, lambda d: measure_logging(events, d))),
        *([("otel", events_n, lambda: measure_otel(events, stats))] if OTEL_VERSION else []),
        ("ours_slow_path", events_n, lambda: in_fresh_dir(root, lambda d: measure_ours(slow_events, d, {}))),
        ("call_plain_sync", calls, lambda: measure_sync_calls(plain_llm, calls)),
        ("call_traced_off_sync", calls, lambda: measure_sync_calls(traced_llm, calls)),
        ("call_plain_async", calls, lambda: measure_async_calls(plain_tool, calls)),
        ("call_traced_off_async", calls, lambda: measure_async_calls(traced_tool, calls)),
        ("call_traced_on_sync", events_n,
         lambda: in_fresh_dir(root, lambda d: measure_traced_on(pool, events_n, d, stats))),
    ]
    if namel3ss_debug.get_tracer().active:
        raise SystemExit("tracing is active before the benchmark starts; the off figures would be wrong")
    runs: dict[str, list[float]] = {name: [] for name, _, _ in measures}
    for repeat in range(-1, repeats):  # repeat -1 warms up every path and is discarded
        turn = repeat % len(measures)  # rotate the order too, so no line always follows the same neighbour
        for name, count, measure in measures[turn:] + measures[:turn]:
            elapsed = measure()
            if repeat >= 0:
                runs[name].append(elapsed / count)
        print(f"  repeat {repeat + 1}/{repeats} done" if repeat >= 0 else "  warm-up done", file=sys.stderr)
    sizes = [len(tracer_dumps(e)) for e in pool]
    stats.update(pool_size=POOL_SIZE, event_bytes_mean=round(statistics.mean(sizes)),
                 event_bytes_min=min(sizes), event_bytes_max=max(sizes),
                 fast_path_events=in_fresh_dir(root, lambda d: fast_path_share(pool, d)),
                 slow_pool_fast_path_events=in_fresh_dir(root, lambda d: fast_path_share(slow_pool, d)),
                 loadavg_end=_loadavg())
    return {"runs": runs, "stats": stats}


def _loadavg() -> float | None:
    """Other work on the machine shows up as spread between repeats; this says whether there was any."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def summarize(raw: dict[str, Any], events_n: int, repeats: int) -> dict[str, Any]:
    """The one record both views (table, JSON) are printed from."""
    runs = raw["runs"]
    med = {name: statistics.median(values) for name, values in runs.items()}
    measures = {name: {"median_ns": round(med[name], 1), "min_ns": round(min(v), 1), "max_ns": round(max(v), 1),
                       "runs_ns": [round(x, 1) for x in v]} for name, v in runs.items()}
    ratios = {
        "ours_over_floor": med["ours"] / med["floor"],
        "logging_over_ours": med["logging"] / med["ours"],
        "off_ns_added_sync": med["call_traced_off_sync"] - med["call_plain_sync"],
        "off_ns_added_async": med["call_traced_off_async"] - med["call_plain_async"],
        "ours_slow_over_ours": med["ours_slow_path"] / med["ours"],
        "slow_path_us": med["ours_slow_path"] / 1000,
        "slow_path_over_floor": med["ours_slow_path"] / med["floor"],
    }
    if "otel" in med:
        ratios["otel_over_ours"] = med["otel"] / med["ours"]
        # Per span with all the work on both sides: an OTel span (start, attributes, end) against a
        # decorated call of ours with tracing on (its start and end events, arguments, usage).
        ratios["otel_span_over_ours_call"] = med["otel"] / med["call_traced_on_sync"]
    targets = [{"name": name, "value": round(ratios[name], 2), "comparison": op, "bound": bound,
                "passed": ratios[name] <= bound if op == "<=" else ratios[name] >= bound}
               for name, (op, bound) in TARGETS.items() if name in ratios]
    return {
        "schema": SCHEMA,
        "environment": environment(),
        "params": {"events": events_n, "repeats": repeats, "calls": events_n * CALLS_PER_EVENT,
                   "buffer_size": BUFFER_SIZE, "pool": POOL_SIZE},
        "stats": raw["stats"],
        "measures": measures,
        "ratios": {k: round(v, 2) for k, v in ratios.items()},
        "targets": targets,
    }


def environment() -> dict[str, Any]:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "platform": platform.platform(), "orjson": orjson.__version__, "opentelemetry_sdk": OTEL_VERSION,
            "namel3ss_debug": namel3ss_debug.__version__, "cpu_count": os.cpu_count(), "cpus_usable": affinity,
            "c_prescan": scan.ACCELERATED}


# ------------------------------------------------------------------------------ output

LABELS = (  # measure -> (label, unit)
    ("ours", "ours: Recorder.emit, redaction on, real file", "event"),
    ("floor", "floor: orjson.dumps + bytearray + os.write/256", "event"),
    ("logging", "stdlib logging, FileHandler + JSON formatter", "event"),
    ("otel", "OTel SDK span, GenAI attrs, BatchSpanProcessor", "event"),
    ("ours_slow_path", "ours, event holding a bearer token (redacted)", "event"),
    ("call_traced_on_sync", "@trace_llm_call, tracing ON (2 events)", "call"),
    ("call_plain_sync", "plain sync function call", "call"),
    ("call_traced_off_sync", "@trace_llm_call, tracing off", "call"),
    ("call_plain_async", "plain async function, awaited", "call"),
    ("call_traced_off_async", "@trace_tool_call async, tracing off", "call"),
)


def render_table(result: dict[str, Any]) -> str:
    env, params, stats = result["environment"], result["params"], result["stats"]
    lines = [
        f"Python {env['python']} ({env['implementation']}) on {env['platform']}",
        f"orjson {env['orjson']}, opentelemetry-sdk {env['opentelemetry_sdk'] or 'not installed'}, "
        f"namel3ss-debug {env['namel3ss_debug']}, CPUs {env['cpu_count']} (usable {env['cpus_usable']}), "
        f"C pre-scan {'built' if env['c_prescan'] else 'NOT built: the pure-Python scan is much slower'}",
        f"{params['repeats']} repeats x {params['events']:,} events ({params['calls']:,} calls for the off path); "
        f"pool {stats['pool_size']} distinct events, {stats['event_bytes_mean']} B mean "
        f"({stats['event_bytes_min']}-{stats['event_bytes_max']}); "
        f"fast path: {stats['fast_path_events']}/{stats['pool_size']} "
        f"(slow-path pool: {stats['slow_pool_fast_path_events']}/{stats['pool_size']}); "
        f"load average {stats['loadavg_start']} at start, {stats['loadavg_end']} at end",
        "",
        f"{'measure':<50} {'median':>10} {'min':>10} {'max':>10}",
    ]
    for name, label, unit in LABELS:
        m = result["measures"].get(name)
        if m is not None:
            cells = " ".join(f"{_us(m[k]):>10}" for k in ("median_ns", "min_ns", "max_ns"))
            lines.append(f"{label:<50} {cells}  per {unit}")
    lines += ["", *render_ratios(result)]
    return "\n".join(lines)


def _us(ns: float) -> str:
    return f"{ns / 1000:.3f} us" if ns >= 1000 else f"{ns:.0f} ns"


def render_ratios(result: dict[str, Any]) -> list[str]:
    r, stats = result["ratios"], result["stats"]
    verdicts = {t["name"]: ("PASS" if t["passed"] else "MISS") + f" (target {t['comparison']} {t['bound']:g})"
                for t in result["targets"]}
    lines = [
        f"ours / floor          {r['ours_over_floor']:>8.2f}x   {verdicts['ours_over_floor']}, aim 2x",
        f"OTel / ours           {r['otel_over_ours']:>8.2f}x   {verdicts['otel_over_ours']}" if "otel_over_ours" in r
        else "OTel / ours                n/a   (pip install -e '.[bench]')",
        f"OTel span / our traced call {r['otel_span_over_ours_call']:>5.2f}x   (per span, all work on both sides)"
        if "otel_span_over_ours_call" in r else "OTel span / our traced call n/a",
        f"logging / ours        {r['logging_over_ours']:>8.2f}x",
        f"slow path / ours      {r['ours_slow_over_ours']:>8.2f}x",
        f"slow path, per event  {r['slow_path_us']:>8.2f} us   {verdicts['slow_path_us']}",
        f"slow path / floor     {r['slow_path_over_floor']:>8.2f}x   {verdicts['slow_path_over_floor']}",
        f"off, sync, added      {r['off_ns_added_sync']:>8.0f} ns/call   {verdicts['off_ns_added_sync']}",
        f"off, async, added     {r['off_ns_added_async']:>8.0f} ns/call",
        "",
        f"checks: ours lines missing {stats.get('ours_lines_missing')}, tracer errors {stats.get('ours_errors')} "
        f"(ON path {stats.get('on_errors')}), OTel spans dropped {stats.get('otel_dropped', 'n/a')}",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 events per repeat")
    parser.add_argument("--events", type=int, default=None, help="events per repeat (default 20,000)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"timed repeats (default {REPEATS})")
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the temporary trace files go (default: the system temp dir)")
    args = parser.parse_args(argv)
    events_n = args.events or (2_000 if args.quick else 20_000)
    with tempfile.TemporaryDirectory(prefix="n3d-bench-", dir=args.dir) as tmp:
        raw = collect(events_n, args.repeats, Path(tmp))
    result = summarize(raw, events_n, args.repeats)
    print(json.dumps(result, indent=2) if args.json else render_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
