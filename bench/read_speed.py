"""Every read command's speed, at both ends: a run of under 1 MB (start-up) and a big one (1 GiB by default).

    python bench/read_speed.py                  # two 1 GiB runs; several minutes
    python bench/read_speed.py --quick          # two 100 MB runs
    python bench/read_speed.py --small-only     # the 38-event run only (start-up): about a minute
    python bench/read_speed.py --size-mb 200 --repeats 5 --json
    python bench/read_speed.py --findings       # what the findings cost: 200 MB and 1 GiB runs, one job
    python bench/read_speed.py --findings --quick   # the same at 100 MB and 537 MB

Each figure is the median of `--repeats` whole commands, run as subprocesses on the same files in one run, with the
alternative it is compared with measured in the same run: DuckDB's `read_ndjson` + GROUP BY + quantiles for
`analyze` and `diagnose` (bench/analyze_throughput.py's query), `analyze` itself for `check`, `diff` and `replay`,
`--jobs 1` for `analyze`, `diagnose` and `check` reading one big run in parts on every core (the default) and for
`diff` reading its two runs at once (and a big run alone in parts, beside the small run), the report without the
diagnosis's sections for what the diagnosis costs (on one core), `python -c pass` for the small run's start-up, and
a first read (`--no-cache`) for a second read (answered from the cache, in a cache directory of this run's own):
`analyze`, `diagnose`, `diff` and `replay` (its timeline). Peak RSS comes from GNU time when installed. Each
command's CPU time (user and system, its children's too) is printed beside its wall time: the targets are of wall
time, but on a loaded machine the CPU time moves less. The commands compared take turns (A B C, A B C, ..., the
order rotating from one round to the next), so a burst of other work on the machine falls on all of them alike, not
on the repeats of one. Every target is printed with PASS or MISS; a target that cannot be measured here (DuckDB not
installed) says so. Progress goes to stderr.

The small run is examples/research_agent.py traced once (38 events); the big runs are bench/trace_gen.py's
agent app (seeds 7 and 8, so `diff` compares two different runs of the same size).

Each small-run command is run once before it is timed: the first command in a fresh cache directory writes
the price table (once per installed genai-prices version, about 200 ms), which no later command pays.
Before each timed command its input files are read through once, so that each figure (ours and DuckDB's alike)
is of a read from the page cache: on a machine that evicts cached pages between runs, some figures would
otherwise include a read from the disk (about 1.8 s for 1 GiB on the machine of bench/README.md) and others not.

`--findings` times issue 101's three ratios alone, on one core (`--jobs 1`, `--no-cache`, `--format json`): a
run of 200 MB and one of 1 GiB (seed 7 both), each read by `analyze` with every section and without `findings`
and `health`, and DuckDB's query of the smaller one, the five commands taking turns (A B C D E, B C D E A, ...):
`analyze` with findings against without them at each size (at most 2.0x), the 1 GiB `analyze` against the 200 MB
one (at most 5.5x: no slower per byte, the sizes being 5.37x apart), and the 200 MB `analyze` against DuckDB (at
most 5x). The CPU times' ratios are printed beside the wall times': on a shared machine they move less.

The package is byte-compiled first, as `pip install` leaves it: an editable install run with
PYTHONDONTWRITEBYTECODE set (as some sandboxes and CI images do) would otherwise compile every module it
imports at every start, about 25 ms that no installed copy pays.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from analyze_throughput import DUCKDB_SCRIPT, has_duckdb, run_child  # noqa: E402 - the shared runner, beside this file
from trace_gen import generate  # noqa: E402 - as above

MB = 1_000_000
INFO = "info"  # a row that is a figure with no target (printed without a verdict)
JOBS = max(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 2)
# the report sections read in parts: every one but the diagnosis's (`findings`, `health`)
PARTED = ("overview", "components", "operations", "slow", "llm", "tools", "errors", "patterns", "anomalies",
          "integrity", "critical_path")
CLI = [sys.executable, "-m", "namel3ss_debug"]
# Every rule kind `check` has, each loose enough to pass on the generated run (so the whole run is read).
ALL_RULES = ["--max-errors", "100000000", "--max-component-errors", "tool=100000000",
             "--max-category-errors", "timeout=100000000", "--max-p95", "llm=1h", "--max-p99", "tool=1h",
             "--max-latency", "agent=1h", "--max-tokens", "100000000000", "--max-cost", "100000000",
             "--max-llm-calls", "100000000", "--max-tool-calls", "100000000", "--max-duration", "8760h",
             "--require", "llm", "--require-order", "agent,llm", "--forbid", "error:auth", "--clean-integrity"]


@dataclass
class Figure:
    name: str
    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds)

    @property
    def peak_mb(self) -> float:
        return max(self.rss_mb) if self.rss_mb else 0.0


@dataclass(frozen=True)
class Command:
    """A command to time: its argv, where it runs, and the files read through just before each run."""

    argv: list[str]
    cwd: Path | None = None
    warm: tuple[Path, ...] = ()


def timed(commands: dict[str, Command], repeats: int, scratch: Path) -> dict[str, Figure]:
    """Each command run `repeats` times, the commands taking turns: round r runs them all, starting at the r-th,
    so that no command's repeats all fall on one stretch of the machine's other work."""
    figures = {name: Figure(name) for name in commands}
    names = list(commands)
    for number in range(repeats):
        for name in names[number % len(names):] + names[:number % len(names)]:
            print(f"{name}: {number + 1} of {repeats}", file=sys.stderr)
            _record(figures[name], commands[name], scratch)
    return figures


def _record(figure: Figure, command: Command, scratch: Path) -> None:
    for path in command.warm:
        read_through(path)
    here = os.getcwd()
    os.chdir(command.cwd or here)
    try:
        child = run_child(command.argv, scratch, discard_stdout=True)
    finally:
        os.chdir(here)
    if child.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command.argv)} exited {child.returncode}: {child.stderr[-500:]}")
    figure.seconds.append(child.wall_s)
    figure.rss_mb.append(child.peak_rss_bytes / MB)
    figure.cpu_seconds.append(child.cpu_s)


def read_through(path: Path) -> None:
    """The file read once, so that the command timed next reads it from the page cache, as each command and
    DuckDB do here: a machine that evicts page cache between runs (some VMs do, proactively) would otherwise
    add a read from the disk to some figures and not to others."""
    with path.open("rb", buffering=0) as stream:
        while stream.read(1 << 24):
            pass


def small_run(scratch: Path) -> Path:
    """examples/research_agent.py traced once; its trace file."""
    work = scratch / "small"
    work.mkdir()
    shutil.copytree(REPO / ".namel3ss", work / ".namel3ss")
    subprocess.run([*CLI, "trace", "-o", str(work / "traces"), str(REPO / "examples" / "research_agent.py")],
                   cwd=work, check=True, capture_output=True)
    return next((work / "traces").glob("*.jsonl"))


def byte_compile() -> None:
    """The package's modules compiled to bytecode beside their sources, as an installed copy has them."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "namel3ss_debug")], check=True,
                   stdout=subprocess.DEVNULL)


SMALL_COMMANDS = ("small analyze", "small inspect", "small check", "small diff", "small replay")


def measure(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    byte_compile()
    quit_at_first = scratch / "quit.txt"
    quit_at_first.write_text("q\n")
    small = small_run(scratch)
    figures = measure_small(args.repeats, scratch, quit_at_first, small)
    if args.small_only:
        return {"size_mb": None, "figures": figures}
    size_mb, big = measure_big(args.repeats, args.size_mb * MB, scratch, quit_at_first, small)
    return {"size_mb": size_mb, "figures": {**figures, **big}}


def measure_small(repeats: int, scratch: Path, quit_at_first: Path, small: Path) -> dict[str, Figure]:
    """Every read command on the 38-event run (`small`), and `--help`, taking turns with `python -c pass`."""
    work = small.parent.parent
    starts = {"python -c pass": Command([sys.executable, "-c", "pass"]), "--help": Command([*CLI, "--help"])}
    starts.update((name, Command([*CLI, *argv], work)) for name, argv in zip(SMALL_COMMANDS, (
        ["analyze", str(small), "--no-cache"],
        ["inspect", str(small)],
        ["check", str(small), "--max-errors", "5"],
        ["diff", str(small), str(small), "--no-cache"],
        ["replay", str(small), "--commands", str(quit_at_first), "--no-cache"],
    )))
    for command in starts.values():  # not counted: the first command of a fresh cache directory writes the
        timed({"first": command}, 1, scratch)  # price table (once per installed genai-prices version), ~200 ms
    return timed(starts, repeats, scratch)


def measure_big(repeats: int, size: int, scratch: Path, quit_at_first: Path, small: Path,
                ) -> tuple[float, dict[str, Figure]]:
    """Two big runs of trace_gen.py: each read command first (`--no-cache`) and again, DuckDB's query beside; and
    `diff` of one of them with the 38-event run (`small`), the big one read alone."""
    print(f"writing two {size // MB} MB runs", file=sys.stderr)
    base, new = scratch / "base.jsonl", scratch / "new.jsonl"
    generate(base, size, seed=7)
    generate(new, size, seed=8)
    one, both = (base,), (base, new)
    replay = [*CLI, "replay", str(base), "--commands", str(quit_at_first)]
    again = {"analyze again": Command([*CLI, "analyze", str(base), "--format", "json", "--no-progress"], warm=one),
             "diagnose again": Command([*CLI, "diagnose", str(base), "--format", "json", "--no-progress"], warm=one),
             "diff again": Command([*CLI, "diff", str(base), str(new), "--no-progress"], warm=both),
             "replay again": Command(replay, warm=one)}
    for command in again.values():  # a first read, not timed, keeps each answer in the cache the timed ones read
        timed({"first": command}, 1, scratch)
    big = {"analyze": Command([*CLI, "analyze", str(base), "--format", "json", "--no-progress", "--no-cache"],
                              warm=one)}
    if has_duckdb():
        big["duckdb"] = Command([sys.executable, "-c", DUCKDB_SCRIPT, str(base)], warm=one)
    big["check all rules"] = Command([*CLI, "check", str(base), *ALL_RULES, "--no-progress"], warm=one)
    big["check --forbid-secrets"] = Command([*CLI, "check", str(base), "--forbid-secrets", "--no-progress"],
                                            warm=one)
    big["diagnose"] = Command([*CLI, "diagnose", str(base), "--format", "json", "--no-progress", "--no-cache"],
                              warm=one)
    # one big run in parts (ops/reading/parts.py) on every core (the default), against one core
    big["analyze, 1 job"] = Command([*big["analyze"].argv, "--jobs", "1"], warm=one)
    big["diagnose, 1 job"] = Command([*big["diagnose"].argv, "--jobs", "1"], warm=one)
    big["check all rules, 1 job"] = Command([*big["check all rules"].argv, "--jobs", "1"], warm=one)
    big["diff"] = Command([*CLI, "diff", str(base), str(new), "--no-progress", "--no-cache"], warm=both)
    big["diff, 1 job"] = Command([*big["diff"].argv, "--jobs", "1"], warm=both)  # the two runs one after the other
    # a big run read alone (beside a small one): in parts on every core, against one
    big["diff with a small run"] = Command([*CLI, "diff", str(small), str(base), "--no-progress", "--no-cache"],
                                           warm=one)
    big["diff with a small run, 1 job"] = Command([*big["diff with a small run"].argv, "--jobs", "1"], warm=one)
    # the report without the diagnosis's sections, on one core and on all: what the diagnosis costs
    parted = [*CLI, "analyze", str(base), "--format", "json", "--no-progress", "--no-cache",
              *(option for name in PARTED for option in ("--section", name))]
    big["analyze, no findings, 1 job"] = Command([*parted, "--jobs", "1"], warm=one)
    big[f"analyze, no findings, {JOBS} jobs"] = Command([*parted, "--jobs", str(JOBS)], warm=one)
    big["replay"] = Command([*replay, "--no-cache"], warm=one)
    return base.stat().st_size / MB, timed({**big, **again}, repeats, scratch)


FINDINGS_SIZES_MB = (200, 1074)  # `--findings`: the two sizes; `--quick`: 100 MB and 537 MB (the same ratio)


def measure_findings(repeats: int, sizes_mb: tuple[int, int], scratch: Path) -> dict[str, Any]:
    """`analyze` with and without findings, one job, at two sizes, and DuckDB's query of the smaller run, in turns."""
    byte_compile()
    commands: dict[str, Command] = {}
    for size_mb in sizes_mb:
        path = scratch / f"run-{size_mb}.jsonl"
        print(f"writing a {size_mb} MB run", file=sys.stderr)
        generate(path, size_mb * MB, seed=7)
        whole = [*CLI, "analyze", str(path), "--format", "json", "--no-progress", "--no-cache", "--jobs", "1"]
        commands[f"analyze, {size_mb} MB"] = Command(whole, warm=(path,))
        commands[f"analyze, no findings, {size_mb} MB"] = Command(
            [*whole, *(option for name in PARTED for option in ("--section", name))], warm=(path,))
        if size_mb == sizes_mb[0] and has_duckdb():
            commands[f"duckdb, {size_mb} MB"] = Command([sys.executable, "-c", DUCKDB_SCRIPT, str(path)], warm=(path,))
    return {"sizes_mb": list(sizes_mb), "figures": timed(commands, repeats, scratch)}


def findings_targets(figures: dict[str, Figure], sizes_mb: list[int]) -> list[tuple[str, str, bool | str | None]]:
    """Issue 101's ratios: findings against none (each size), the big run against the small, ours against DuckDB."""
    small, big = sizes_mb
    rows: list[tuple[str, str, bool | str | None]] = []

    def ratio(name: str, over: str, limit: float) -> tuple[str, bool]:
        top, bottom = figures[name], figures[over]
        wall, cpu = top.median / bottom.median, top.cpu_median / bottom.cpu_median
        text = (f"{top.median:.2f} s vs {bottom.median:.2f} s = {wall:.2f}x "
                f"(CPU {top.cpu_median:.2f} s vs {bottom.cpu_median:.2f} s = {cpu:.2f}x)")
        return text, wall <= limit

    for size_mb in sizes_mb:
        rows.append((f"findings <= 2.0x without, 1 job, {size_mb} MB",
                     *ratio(f"analyze, {size_mb} MB", f"analyze, no findings, {size_mb} MB", 2.0)))
    limit = 5.5 * big / FINDINGS_SIZES_MB[1] * FINDINGS_SIZES_MB[0] / small  # per byte, as 1 GiB against 200 MB
    rows.append((f"{big} MB <= {limit:.2f}x {small} MB (per byte)",
                 *ratio(f"analyze, {big} MB", f"analyze, {small} MB", limit)))
    if f"duckdb, {small} MB" in figures:
        rows.append((f"findings <= 5x DuckDB, {small} MB", *ratio(f"analyze, {small} MB", f"duckdb, {small} MB", 5.0)))
    else:
        rows.append((f"findings <= 5x DuckDB, {small} MB", "DuckDB not installed (pip install -e '.[bench]')", None))
    return rows


def targets(figures: dict[str, Figure]) -> list[tuple[str, str, bool | str | None]]:
    """(what, the figure, PASS/MISS; None when it could not be measured): issue 62's targets, each against the
    alternative measured in the same run. The big run's rows only when it was measured (not with --small-only)."""
    rows = big_targets(figures) if "analyze" in figures else []
    return rows + small_targets(figures)


def big_targets(figures: dict[str, Figure]) -> list[tuple[str, str, bool | str | None]]:
    rows: list[tuple[str, str, bool | str | None]] = []
    analyze, duck = figures["analyze"], figures.get("duckdb")
    if duck is not None:
        ratio = analyze.median / duck.median
        aim = "aim met" if ratio <= 3.5 else "aim 3.5x not met"
        rows.append(("analyze <= 5x DuckDB (aim 3.5x)",
                     f"{analyze.median:.2f} s vs {duck.median:.2f} s = {ratio:.2f}x ({aim})", ratio <= 5))
    else:
        rows.append(("analyze <= 5x DuckDB (aim 3.5x)", "DuckDB not installed (pip install -e '.[bench]')", None))
    rows.append(("analyze peak RSS <= 200 MB", f"{analyze.peak_mb:.0f} MB", analyze.peak_mb <= 200))
    check = figures["check all rules"]
    rows.append(("check (every rule kind) <= analyze", f"{check.median:.2f} s = {check.median / analyze.median:.2f}x",
                 check.median <= analyze.median))
    for name, what in (("diff", "diff of two runs"), ("replay", "replay to its first prompt")):
        ratio = figures[name].median / analyze.median
        rows.append((f"{what} <= 2x analyze", f"{figures[name].median:.2f} s = {ratio:.2f}x", ratio <= 2))
    one, every = figures["analyze, no findings, 1 job"], figures[f"analyze, no findings, {JOBS} jobs"]
    for name, alone in (("analyze", "analyze, 1 job"), ("diagnose", "diagnose, 1 job"),
                        ("check all rules", "check all rules, 1 job"), ("diff", "diff, 1 job"),
                        ("diff with a small run", "diff with a small run, 1 job"),
                        (f"analyze, no findings, {JOBS} jobs", "analyze, no findings, 1 job")):
        how = "two runs at once" if name == "diff" else "one run in parts"
        rows.append((f"{how}: {name.removesuffix(f', {JOBS} jobs')}, {JOBS} jobs faster than 1",
                     f"{figures[name].median:.2f} s vs {figures[alone].median:.2f} s = "
                     f"{figures[alone].median / figures[name].median:.2f}x", INFO))
    ratio = figures["analyze, 1 job"].median / one.median
    rows.append(("analyze with findings <= 2.0x without (1 job)",
                 f"{figures['analyze, 1 job'].median:.2f} s vs {one.median:.2f} s = {ratio:.2f}x", ratio <= 2.0))
    if duck is not None:
        ratio = every.median / duck.median
        rows.append((f"analyze, no findings, {JOBS} jobs <= 5x DuckDB", f"{every.median:.2f} s = {ratio:.2f}x",
                     ratio <= 5))
    diagnose = figures["diagnose"]
    if duck is not None:
        ratio = diagnose.median / duck.median
        rows.append(("diagnose <= 5x DuckDB (aim 3x)", f"{diagnose.median:.2f} s vs {duck.median:.2f} s = {ratio:.2f}x",
                     ratio <= 5))
    for first, again in (("analyze", "analyze again"), ("diagnose", "diagnose again"), ("diff", "diff again"),
                         ("replay", "replay again")):
        ratio = figures[first].median / figures[again].median
        rows.append((f"a second {first} >= 10x faster", f"{figures[again].median:.2f} s = {ratio:.1f}x faster",
                     ratio >= 10))
    return rows


def small_targets(figures: dict[str, Figure]) -> list[tuple[str, str, bool | None]]:
    """A run under 1 MB: start-up and imports, against the interpreter's own start measured in the same rounds."""
    floor = figures["python -c pass"].median
    rows: list[tuple[str, str, bool | None]] = []
    for name, limit in [*((name, 12.5) for name in SMALL_COMMANDS), ("--help", 6.0)]:
        figure = figures[name]
        what = f"{name[6:]} of a 38-event run" if name.startswith("small ") else name
        ratio = figure.median / floor
        rows.append((f"{what} <= {limit:g}x python -c pass", f"{figure.median * 1000:.0f} ms = {ratio:.1f}x "
                     f"({floor * 1000:.0f} ms)", ratio <= limit))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=None, help="size of each big run (default: 1 GiB)")
    parser.add_argument("--quick", action="store_true", help="two 100 MB runs")
    parser.add_argument("--small-only", action="store_true", help="only the 38-event run (start-up): a minute")
    parser.add_argument("--findings", action="store_true",
                        help="what the findings cost, one job: 200 MB and 1 GiB runs (--quick: 100 and 537 MB)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="only JSON on stdout")
    args = parser.parse_args()
    args.size_mb = args.size_mb or (100 if args.quick else 1074)  # a size given wins over --quick's
    sizes = tuple(size // 2 if args.quick else size for size in FINDINGS_SIZES_MB)
    with tempfile.TemporaryDirectory(prefix="read-speed-") as scratch:
        os.environ["XDG_CACHE_HOME"] = str(Path(scratch) / "cache")  # the commands' cache: this run's own
        if args.findings:
            result = measure_findings(args.repeats, (sizes[0], sizes[1]), Path(scratch))
        else:
            result = measure(args, Path(scratch))
    figures = result["figures"]
    if args.findings:
        size_mb, rows = None, findings_targets(figures, result["sizes_mb"])
    else:
        size_mb, rows = result["size_mb"], targets(figures)
    if args.json:
        print(json.dumps({"size_mb": size_mb, "figures": {name: {"seconds": f.seconds, "rss_mb": f.rss_mb,
                                                                 "cpu_seconds": f.cpu_seconds}
                                                          for name, f in figures.items()},
                          "targets": [{"target": t, "figure": v, "pass": ok} for t, v, ok in rows]}))
        return
    runs = ("runs of " + " and ".join(f"{size} MB" for size in result["sizes_mb"]) if args.findings
            else "the 38-event run only" if size_mb is None else f"{size_mb:.0f} MB runs")
    print(f"read speed: {runs}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"median of {args.repeats}, the package byte-compiled")
    print()
    for name, figure in figures.items():
        print(f"  {name:<30} {figure.median * 1000:>10.0f} ms   CPU {figure.cpu_median * 1000:>8.0f} ms   "
              f"peak {figure.peak_mb:>6.0f} MB")
    print()
    for target, value, ok in rows:
        verdict = "    " if ok is INFO else "n/a " if ok is None else ("PASS" if ok else "MISS")
        print(f"  {verdict}  {target:<52} {value}")


if __name__ == "__main__":
    main()
