"""`diagnose` on a big run against the read-speed targets: a first read at most 5x DuckDB's query, peak RSS at
most 200 MB (bench/README.md, "Read speed", issue 62's targets, which issue 65 holds `diagnose` to).

    python bench/diagnose_speed.py                      # a 1 GiB run, 3 repeats of each command: several minutes
    python bench/diagnose_speed.py --size-mb 100        # a 100 MB run
    python bench/diagnose_speed.py --duckdb-path DIR    # DuckDB installed with `pip install --target DIR duckdb`
    python bench/diagnose_speed.py --json               # JSON only on stdout

One run of bench/trace_gen.py (seed 7, as read_speed.py's first), and four whole commands on it, taking turns in
a rotating order (read_speed.py's `timed`), each input read through just before it so every figure is of a read
from the page cache: `diagnose --format json --no-cache`, `analyze --format json --no-cache` (every section, the
findings with them), `analyze` with every section but `findings` (what the diagnosis adds to the pass), and DuckDB's
query of bench/analyze_throughput.py. Each line is the median of `--repeats` wall times, with its CPU time and the
peak RSS (GNU time's when installed). Every target is printed with PASS or MISS; n/a when DuckDB is not importable.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from analyze_throughput import DUCKDB_SCRIPT, has_duckdb  # noqa: E402 - the shared runner, beside this file
from read_speed import CLI, MB, Command, Figure, byte_compile, timed  # noqa: E402 - as above
from trace_gen import generate  # noqa: E402 - as above

from namel3ss_debug.model.choices import ANALYZE_SECTIONS  # noqa: E402 - after the bench's own modules

QUIET = ["--format", "json", "--no-progress", "--no-cache"]


def commands(trace: Path, duckdb_path: Path | None) -> dict[str, Command]:
    """The commands timed, by name; DuckDB's only when it imports (from `duckdb_path` when given)."""
    others = [argument for section in ANALYZE_SECTIONS if section != "findings"
              for argument in ("--section", section)]
    found = {"diagnose": Command([*CLI, "diagnose", str(trace), *QUIET], warm=(trace,)),
             "analyze": Command([*CLI, "analyze", str(trace), *QUIET], warm=(trace,)),
             "analyze, no findings": Command([*CLI, "analyze", str(trace), *others, *QUIET], warm=(trace,))}
    duck = [sys.executable, "-c", DUCKDB_SCRIPT, str(trace)]
    if duckdb_path is not None:
        found["duckdb"] = Command(["env", f"PYTHONPATH={duckdb_path}", *duck], warm=(trace,))
    elif has_duckdb():
        found["duckdb"] = Command(duck, warm=(trace,))
    return found


def targets(figures: dict[str, Figure]) -> list[tuple[str, str, bool | None]]:
    diagnose, duck, analyze = figures["diagnose"], figures.get("duckdb"), figures["analyze"]
    rows: list[tuple[str, str, bool | None]] = []
    if duck is not None:
        ratio = diagnose.median / duck.median
        rows.append(("diagnose <= 5x DuckDB (aim 3.5x)", f"{diagnose.median:.2f} s vs {duck.median:.2f} s = "
                     f"{ratio:.2f}x", ratio <= 5))
    else:
        rows.append(("diagnose <= 5x DuckDB (aim 3.5x)", "DuckDB not importable (--duckdb-path DIR)", None))
    rows.append(("diagnose peak RSS <= 200 MB", f"{diagnose.peak_mb:.0f} MB", diagnose.peak_mb <= 200))
    bare = figures["analyze, no findings"]
    rows.append(("(no target) diagnose / analyze", f"{diagnose.median / analyze.median:.2f}x", None))
    rows.append(("(no target) findings' share of analyze", f"{analyze.median / bare.median:.2f}x analyze with "
                 "no findings", None))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1074, help="size of the run (default: 1 GiB)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--duckdb-path", type=Path, help="a directory DuckDB was pip-installed into (--target)")
    parser.add_argument("--json", action="store_true", help="only JSON on stdout")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="diagnose-speed-") as scratch_name:
        scratch = Path(scratch_name)
        os.environ["XDG_CACHE_HOME"] = str(scratch / "cache")  # the commands' cache: this run's own
        byte_compile()
        trace = scratch / "base.jsonl"
        print(f"writing a {args.size_mb} MB run", file=sys.stderr)
        generate(trace, args.size_mb * MB, seed=7)
        size_mb = trace.stat().st_size / MB
        figures = timed(commands(trace, args.duckdb_path), args.repeats, scratch)
    rows = targets(figures)
    if args.json:
        print(json.dumps({"size_mb": size_mb, "figures": {name: {"seconds": f.seconds, "rss_mb": f.rss_mb,
                                                                 "cpu_seconds": f.cpu_seconds}
                                                          for name, f in figures.items()},
                          "targets": [{"target": t, "figure": v, "pass": ok} for t, v, ok in rows]}))
        return
    print(f"diagnose speed: a {size_mb:.0f} MB run, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"median of {args.repeats}, the package byte-compiled")
    print()
    for name, figure in figures.items():
        print(f"  {name:<24} {figure.median * 1000:>10.0f} ms   CPU {figure.cpu_median * 1000:>8.0f} ms   "
              f"peak {figure.peak_mb:>6.0f} MB")
    print()
    for target, value, ok in rows:
        verdict = "    " if ok is None else ("PASS" if ok else "MISS")
        print(f"  {verdict}  {target:<40} {value}")


if __name__ == "__main__":
    main()
