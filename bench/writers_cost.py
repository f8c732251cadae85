"""What the whole-run first writers cost `diagnose`: each step's output terms noted as it ends
(`namel3ss_debug/analysis/diagnosis/notes/writers.py`, `Writers.note`), against the same pass without them.

    python bench/writers_cost.py                      # a 60 MB run of bench/trace_gen.py, 5 rounds: about a minute
    python bench/writers_cost.py --size-mb 200 --repeats 3
    python bench/writers_cost.py --trace RUN.jsonl    # a run of your own

Two children run `diagnose RUN --format json --no-progress --no-cache`, taking turns (A B A B ...), the input read
through before each, so a burst of other work on the machine falls on both alike: A as shipped (a timer around each
`Writers.note` call aside), B with `Writers.note` replaced by a function that does nothing (a monkeypatch in the
child, made by this bench alone: the product has no switch for it). Without the writers the blame traces a value
through the kept steps only, so on a run with a failure the two may blame differently; on trace_gen's runs they
print the same. Each line is the median of the rounds' wall and CPU times and the peak RSS (GNU time's when
installed); the ratio A / B is printed for each, and the median of the rounds' own ratios. A's timer (two
`perf_counter` reads a step) gives the time in `Writers.note` over the rest of A's time: the figure least moved by
the machine's other work, both parts timed in one process at once; A / B also holds what the calls cost the pass
around them.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from analyze_throughput import run_child  # noqa: E402 - the shared runner, beside this file
from read_speed import MB, Figure, byte_compile, read_through  # noqa: E402 - as above
from trace_gen import generate  # noqa: E402 - as above

CHILD = """import sys, time
from namel3ss_debug.analysis.diagnosis.notes.writers import Writers
{patch}
from namel3ss_debug.cli.main import main
main()
"""
# A: each call's time summed (two perf_counter reads a step, about 70 ns each; process_time's 800 ns would show)
# and written to stderr with the child's time from its start as it exits, whatever its exit code
TIMED = """import atexit
began, spent, note = time.perf_counter(), [0.0], Writers.note
def timed(self, step):
    start = time.perf_counter()
    note(self, step)
    spent[0] += time.perf_counter() - start
Writers.note = timed
atexit.register(lambda: print("writers_cost:", spent[0], time.perf_counter() - began, file=sys.stderr))"""
NO_WRITERS = "Writers.note = lambda self, step: None"
MARK = "writers_cost:"  # TIMED's line
ARGS = ["--format", "json", "--no-progress", "--no-cache"]


def commands(trace: Path) -> dict[str, list[str]]:
    """The two children, by name: the same interpreter start and imports, the second without the writers."""
    argv = ["diagnose", str(trace), *ARGS]
    return {"diagnose": [sys.executable, "-c", CHILD.format(patch=TIMED), *argv],
            "diagnose, no writers": [sys.executable, "-c", CHILD.format(patch=NO_WRITERS), *argv]}


def rounds(argvs: dict[str, list[str]], trace: Path, repeats: int, scratch: Path) -> tuple[dict[str, Figure],
                                                                                             list[float]]:
    """Each command once a round, in the same order every round (A B A B ...), after one run of the last that is
    not timed: the first command in a fresh cache directory writes the price table (about 200 ms), as no later one
    does."""
    run_child(list(argvs.values())[-1], scratch, discard_stdout=True)
    figures = {name: Figure(name) for name in argvs}
    shares: list[float] = []  # each round's A: the time in Writers.note over the rest of its time
    for number in range(repeats):
        for name, argv in argvs.items():
            print(f"{name}: {number + 1} of {repeats}", file=sys.stderr)
            read_through(trace)
            child = run_child(argv, scratch, discard_stdout=True)
            if child.returncode not in (0, 1):
                raise SystemExit(f"{name} exited {child.returncode}: {child.stderr[-500:]}")
            figure = figures[name]
            figure.seconds.append(child.wall_s)
            figure.cpu_seconds.append(child.cpu_s)
            figure.rss_mb.append(child.peak_rss_bytes / MB)
            said = [line.split() for line in child.stderr.splitlines() if line.startswith(MARK)]
            if said:
                spent, total = float(said[-1][1]), float(said[-1][2])
                shares.append(spent / (total - spent))
    return figures, shares


def report(figures: dict[str, Figure], shares: list[float], size_mb: float, repeats: int) -> None:
    shipped, bare = figures["diagnose"], figures["diagnose, no writers"]
    print(f"writers' cost: a {size_mb:.0f} MB run, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"median of {repeats} rounds, load average {os.getloadavg()[0]:.1f} at the end")
    print()
    for figure in (shipped, bare):
        print(f"  {figure.name:<22} {figure.median * 1000:>8.0f} ms   CPU {figure.cpu_median * 1000:>8.0f} ms   "
              f"peak {figure.peak_mb:>5.0f} MB")
    print()
    pairs = list(zip(shipped.cpu_seconds, bare.cpu_seconds))
    paired = statistics.median(a / b for a, b in pairs)
    print("  CPU s, round by round (A/B): " + "  ".join(f"{a:.2f}/{b:.2f}" for a, b in pairs))
    print(f"  with / without the writers: wall {shipped.median / bare.median:.3f}x, "
          f"CPU {shipped.cpu_median / bare.cpu_median:.3f}x, CPU round by round (median) {paired:.3f}x")
    if shares:
        print(f"  inside A, the time in Writers.note over the rest: {100 * statistics.median(shares):.1f}% "
              f"(median; {100 * min(shares):.1f}-{100 * max(shares):.1f}%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=60, help="size of the generated run (default: 60)")
    parser.add_argument("--trace", type=Path, help="time this run instead of a generated one")
    parser.add_argument("--repeats", type=int, default=5, help="rounds of A B (default: 5)")
    args = parser.parse_args()
    if args.trace is not None and not args.trace.is_file():
        raise SystemExit(f"writers_cost.py: no such file: {args.trace}")
    with tempfile.TemporaryDirectory(prefix="writers-cost-") as scratch_name:
        scratch = Path(scratch_name)
        os.environ["XDG_CACHE_HOME"] = str(scratch / "cache")  # the children's cache: this run's own
        byte_compile()
        trace = args.trace
        if trace is None:
            trace = scratch / "run.jsonl"
            print(f"writing a {args.size_mb} MB run", file=sys.stderr)
            generate(trace, args.size_mb * MB, seed=7)
        figures, shares = rounds(commands(trace), trace, args.repeats, scratch)
        report(figures, shares, trace.stat().st_size / MB, args.repeats)


if __name__ == "__main__":
    main()
