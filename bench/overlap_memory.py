"""Peak memory of every reading command on a run whose root's children overlap (issue 97).

    python bench/overlap_memory.py                  # 6 MB runs, about a minute
    python bench/overlap_memory.py --mb 60          # the larger run of the issue
    python bench/overlap_memory.py --json           # JSON only on stdout

One run writes two traces of the same size with `overlap_gen.py`: four threads calling tools under the root at
once, every call named apart (what the issue reported: the critical path kept a copy of its path for each ended
child, each as long as the path), and the same calls one after another, the threads taking turns (A B C D A B
...). Each reading command runs as a whole subprocess on each trace, in a fresh directory with a fresh
`XDG_CACHE_HOME` and `--no-cache` where it has one, so nothing is answered from a cache: `analyze`, `diagnose`
and `check` (`--format json`: the table of 8,000 operations is the terminal's work, not the pass's), `report -o`,
`runs DIR` (the run index built from nothing), `diff` of the run with itself, `inspect --tree`, `replay` and
`export`. Peak RSS is GNU time's `%M` (`analyze_throughput.run_child`).

Printed per command: peak MB on the overlapping run, on the sequential one, their ratio, and PASS/MISS against
the floor, 200 MB on the overlapping run. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analyze_throughput import GNU_TIME, MB, run_child, ours_command
from overlap_gen import generate

SCHEMA = "namel3ss-debug/bench-overlap-memory/1"
FLOOR_MB = 200.0  # every reading command on the overlapping run
TRACE = "run.jsonl"


def commands(folder: Path) -> dict[str, list[str]]:
    """The reading commands over the run in `folder`, each reading it afresh."""
    trace = str(folder / TRACE)
    ours = ours_command()
    return {
        "analyze": [*ours, "analyze", "--no-cache", "--format", "json", trace],
        "diagnose": [*ours, "diagnose", "--no-cache", "--format", "json", trace],
        "check": [*ours, "check", "--no-cache", "--format", "json", "--max-errors", "0", trace],
        "report": [*ours, "report", "--no-cache", trace, "-o", str(folder.parent / f"{folder.name}.html")],
        "runs": [*ours, "runs", "--format", "json", str(folder)],
        "diff": [*ours, "diff", "--no-cache", "--format", "json", trace, trace],
        "inspect --tree": [*ours, "inspect", trace, "--tree", "--no-pager"],
        "replay": [*ours, "replay", trace, "--format", "json"],
        "export": [*ours, "export", trace, "--to", "otlp-json", str(folder.parent / f"{folder.name}.otlp.jsonl")],
    }


def measure(folder: Path, name: str, argv: list[str]) -> float:
    """Peak RSS in MB of one command, run in a scratch directory with a cache of its own."""
    scratch = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=folder.parent))
    os.environ["XDG_CACHE_HOME"] = str(scratch / "cache")
    for stale in folder.glob(".namel3ss-runs.sqlite*"):  # `runs` builds its index from nothing each time
        stale.unlink()
    child = run_child(argv, scratch)
    if child.returncode not in (0, 1):  # check and diagnose may say the run breaks a rule: 1 is an answer
        raise SystemExit(f"{name} exited {child.returncode}: {child.stderr.strip()[-400:]}")
    shutil.rmtree(scratch, ignore_errors=True)
    return round(child.peak_rss_bytes / MB, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=6.0, help="size of each trace in MiB (default 6)")
    parser.add_argument("--json", action="store_true", help="JSON only on stdout")
    args = parser.parse_args()
    if GNU_TIME is None:
        print("note: GNU time not installed; peak RSS from os.wait4 includes this script's own", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="overlap-memory-") as tmp:
        folders = {"overlap": Path(tmp) / "overlap", "sequential": Path(tmp) / "sequential"}
        sizes = {}
        for shape, folder in folders.items():
            folder.mkdir()
            totals = generate(folder / TRACE, int(args.mb * 1024 * 1024), overlap=shape == "overlap")
            sizes[shape] = {"bytes": totals.bytes, "events": totals.events}
            print(f"{shape}: {totals.bytes / MB:.1f} MB, {totals.events} events", file=sys.stderr)
        rows = {}
        for name in commands(folders["overlap"]):
            peaks = {shape: measure(folder, name, commands(folder)[name]) for shape, folder in folders.items()}
            rows[name] = {**peaks, "ratio": round(peaks["overlap"] / peaks["sequential"], 2),
                          "pass": peaks["overlap"] <= FLOOR_MB}
            print(f"  {name}: {peaks}", file=sys.stderr)
    result = {"schema": SCHEMA, "traces": sizes, "floor_mb": FLOOR_MB, "peak_mb": rows}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _table(result)
    return 0 if all(row["pass"] for row in rows.values()) else 1


def _table(result: dict[str, object]) -> None:
    traces = result["traces"]
    assert isinstance(traces, dict)
    print(f"overlapping run: {traces['overlap']['events']} events; sequential run: {traces['sequential']['events']}")
    print(f"{'command':<14} {'overlap MB':>11} {'sequential MB':>14} {'ratio':>6}  floor {FLOOR_MB:.0f} MB")
    peaks = result["peak_mb"]
    assert isinstance(peaks, dict)
    for name, row in peaks.items():
        verdict = "PASS" if row["pass"] else "MISS"
        print(f"{name:<14} {row['overlap']:>11.1f} {row['sequential']:>14.1f} {row['ratio']:>5.2f}x  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
