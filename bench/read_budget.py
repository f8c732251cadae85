"""Where a read command's time goes, per event: the steps of one pass over a big run, each timed in process.

    python bench/read_budget.py                  # a 200 MB run, best of 5: about a minute
    python bench/read_budget.py --size-mb 50 --repeats 3
    python bench/read_budget.py --trace run.jsonl --json

`bench/read_speed.py` times whole commands; this splits one pass into its steps, so that the next speed-up is
aimed where the time is. Each step is timed on the same blocks, already read into memory (so no figure holds
the disk or the page cache), and the figure is the best of `--repeats`, the steps taken in turn within each
repeat so that a slow spell of a shared machine spreads over all of them. Per event, in nanoseconds:

- decode: msgspec's typed records of a block (`store/records.py`, how every read command reads it), and
  msgspec's scan alone (a record of one field: the floor of any decoding by msgspec);
- tally: analyze's pass (`Tally.feed`) of those records for every section, then without each group of sections a
  pass can leave out (what that group costs), for `overview` alone (the floor of the pass), and for `diff`'s
  five;
- diff: its call recorder (`CallRecorder.add_block`) of the lines and the fingerprint of one call's inputs or
  outputs;
- check: its look at each event of the records for every rule kind (`EventScan`);
- DuckDB (when installed): its whole query of bench/analyze_throughput.py on the same file, per event, as a
  whole process (start-up included): the engine `analyze` is compared with.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the package, from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))  # analyze_throughput and trace_gen, beside this file
from analyze_throughput import DUCKDB_SCRIPT, run_child
from trace_gen import generate

from namel3ss_debug.analysis.records.report import SECTIONS
from namel3ss_debug.analysis.run_state import (
    ANOMALY_SECTIONS,
    INTEGRITY_SECTIONS,
    PATH_SECTIONS,
    PATTERN_SECTIONS,
    SLOW_SECTIONS,
)
from namel3ss_debug.analysis.tally import Options, Tally
from namel3ss_debug.checks import scan as check_scan
from namel3ss_debug.checks.rules import active, rules_from_flags
from namel3ss_debug.diffing import calls
from namel3ss_debug.diffing.calls import CallRecorder
from namel3ss_debug.diffing.profile import SECTIONS as DIFF_SECTIONS
from namel3ss_debug.store.blocks import Block, iter_blocks
from namel3ss_debug.store.line_blocks import LineBlock
from namel3ss_debug.store.records import BLOCK_DECODER

MB = 1_000_000
LEFT_OUT = {"patterns (repeats, retries, loops)": PATTERN_SECTIONS, "critical_path": PATH_SECTIONS,
            "anomalies": ANOMALY_SECTIONS, "integrity (span ids)": INTEGRITY_SECTIONS, "slow": SLOW_SECTIONS}


# Every rule kind `check` has, loose enough that the whole run is scanned and only the first examples kept (as
# read_speed.py's ALL_RULES).
CHECK_RULES = {"max_errors": "100000000", "max_component_errors": ("tool=100000000",),
               "max_category_errors": ("timeout=100000000",), "max_p95": ("llm=1h",), "max_p99": ("tool=1h",),
               "max_latency": ("agent=1h",), "max_tokens": "100000000000", "max_cost": "100000000",
               "max_llm_calls": "100000000", "max_tool_calls": "100000000", "max_duration": "8760h",
               "require": ("llm",), "require_order": ("agent,llm",), "forbid": ("error:auth",), "clean_integrity": True}


class Scan(msgspec.Struct):
    """A record of one field: decoding it is msgspec's scan of the line and little else."""

    v: int


def blocks_of(path: Path) -> tuple[list[tuple[bytes, int]], list[list[Any]]]:
    """The run's blocks as the reader cuts them (`store/blocks.py`): their bytes and offsets, their records."""
    with open(path, "rb") as stream:
        texts = [(block.data, block.offset) for block in iter_blocks(stream, str(path))]
    try:
        return texts, [BLOCK_DECODER.decode_lines(text) for text, _ in texts]
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise SystemExit(f"{path}: a block does not decode whole ({error}): give a clean run") from None


def decoding(decoder: Any, texts: list[tuple[bytes, int]]) -> Callable[[], None]:
    def run() -> None:
        for text, _ in texts:
            decoder.decode_lines(text)  # each block's records dropped at once, as a reader's are
    return run


def steps(texts: list[tuple[bytes, int]], records: list[list[Any]], path: str) -> dict[str, Callable[[], None]]:
    scan = msgspec.json.Decoder(Scan)
    raws = [raw for block in records for record in block for raw in (record.inputs, record.outputs) if raw]
    lines = records  # what the read commands feed their passes

    def tally(sections: frozenset[str] | tuple[str, ...]) -> Callable[[], None]:
        def run() -> None:
            counts = Tally(Options(sections=tuple(sections)))
            counts.begin("run", "bench", ())
            for block in lines:
                counts.feed(block)
        return run

    def recorder() -> None:
        recording = CallRecorder()
        for block, (text, offset) in zip(lines, texts):  # a file read again for outputs: their places kept
            read = LineBlock(0, path, block, block=Block(path, text, len(text), 1, offset))  # as the reader gives it
            recording.add_block(block, path, read.offsets)
        recording.finish()

    def check() -> None:
        scan, line = check_scan.EventScan(active(rules_from_flags(CHECK_RULES))), 1
        for typed in records:
            scan._see_all(zip(typed, range(line, line + len(typed))), path)
            line += len(typed)

    every = frozenset(SECTIONS)
    found: dict[str, Callable[[], None]] = {
        "decode: typed records": decoding(BLOCK_DECODER, texts),
        "decode: the scan alone": decoding(scan, texts),
        "tally: every section": tally(every),
    }
    for name, group in LEFT_OUT.items():
        found[f"tally: without {name}"] = tally(every - group)
    found["tally: overview alone"] = tally(("overview",))
    found["tally: diff's sections"] = tally(DIFF_SECTIONS)
    found["diff: call recorder"] = recorder
    found[f"diff: fingerprints ({len(raws)} of them)"] = lambda: [calls.raw_fingerprint(raw) for raw in raws]
    found["check: event scan, every rule kind"] = check
    return found


def measure(path: Path, repeats: int) -> dict[str, Any]:
    texts, records = blocks_of(path)
    events = sum(len(block) for block in records)
    timed = steps(texts, records, str(path))
    best = {name: float("inf") for name in timed}
    gc.disable()
    for number in range(repeats):
        print(f"repeat {number + 1} of {repeats}", file=sys.stderr)
        for name, step in timed.items():
            began = time.perf_counter()
            step()
            best[name] = min(best[name], time.perf_counter() - began)
            gc.collect()
    gc.enable()
    figures = {name: seconds / events * 1e9 for name, seconds in best.items()}
    whole = figures["tally: every section"]
    for name in LEFT_OUT:
        figures[f"tally: {name} costs"] = whole - figures.pop(f"tally: without {name}")
    duckdb = _duckdb(path)
    if duckdb is not None:
        figures["DuckDB: its whole query, per event"] = duckdb / events * 1e9
    return {"events": events, "bytes": path.stat().st_size, "ns_per_event": figures}


def _duckdb(path: Path) -> float | None:
    try:
        import duckdb  # noqa: F401, PLC0415 - optional: the bench extra
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        walls = [run_child([sys.executable, "-c", DUCKDB_SCRIPT, str(path)], Path(scratch)).wall_s for _ in range(3)]
    return min(walls)


def one_run_arguments(doc: str, repeats: int) -> argparse.Namespace:
    """The options of a bench that splits one run's pass into steps (this one, findings_steps.py)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=float, default=200.0, help="size of the generated run (default 200)")
    parser.add_argument("--trace", type=Path, help="time this run instead of a generated one")
    parser.add_argument("--repeats", type=int, default=repeats, help="each figure is the best of this many")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    return parser.parse_args()


def measured(args: argparse.Namespace, measure: Callable[[Path, int], dict[str, Any]]) -> dict[str, Any]:
    """`measure(run, repeats)` of `--trace`, or of a `--size-mb` run of trace_gen.py written for it (then deleted)."""
    with tempfile.TemporaryDirectory() as scratch:
        path = args.trace
        if path is None:
            path = Path(scratch) / "run.jsonl"
            print(f"writing a {args.size_mb:g} MB run", file=sys.stderr)
            generate(path, int(args.size_mb * MB), seed=7)
        return measure(path, args.repeats)


def main() -> None:
    args = one_run_arguments(__doc__, 5)
    result = measured(args, measure)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    figures = result["ns_per_event"]
    print(f"read budget: {result['events']:,} events, {result['bytes'] / result['events']:.0f} bytes each, "
          f"best of {args.repeats}\n")
    for name, value in figures.items():
        print(f"  {name:48} {value:7.0f} ns/event")
    duck = figures.get("DuckDB: its whole query, per event")
    if duck:
        ours = figures["decode: typed records"] + figures["tally: every section"]
        print(f"\n  analyze's pass (records decoded + tally) / DuckDB's whole query: {ours / duck:.2f}x, per event on "
              "one core against DuckDB on all of them")


if __name__ == "__main__":
    main()
