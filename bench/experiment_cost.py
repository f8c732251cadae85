"""What `diagnose TRACE --experiment` costs in model calls and wall time for runs of n model calls, against the naive
experiment that tries every fork point and against one plain rerun of the run (issue 100).

    python bench/experiment_cost.py                        # n = 10, 100 and 1,000: about 10 minutes on 2 cores
    python bench/experiment_cost.py --quick                # n = 10 and 100: about 4 minutes
    python bench/experiment_cost.py --sizes 4 --repeats 1  # a check that it runs, in seconds
    python bench/experiment_cost.py --json                 # JSON only on stdout

The app is `tests/cli/apps/planted_loop.py --steps n --window 8`: a raw openai loop of n calls, each sending the last
8 messages of the conversation, that fails at its end when any answer was wrong (with the whole conversation, the
app alone takes about 3 minutes a pass at n = 1,000, in the openai SDK's walk over the messages it is given: see
bench/README.md; `--window 0` sends it all). The model is `tests/support/plantedstub.py`'s stub on
127.0.0.1, served from this process: it answers the planted call (`step k of n:`, k = n // 3 + 1) wrongly with a
set probability and every other call rightly. Each n is recorded once with the planted call wrong at probability
1.0 (`trace`), then three lines take turns on that recording, in an order that rotates from one repeat to the
next, the planted call wrong at `--p` (0.3, as the tests plant it) from a generator seeded the same for every line
and repeat:

* experiment: `diagnose TRACE --experiment --base-url STUB --tries T --format json`, the search of
  `judging/experiment.py` (the blame's candidates, then a bisection). Its JSON's `spent` gives tries and model
  calls, checked against the requests the stub answered; found: verified, naming the planted call;
* every point: the same command with the search replaced by one that tries every fork point, first to last, T
  times each, never stopping early (each try at point k re-asks the n - k + 1 calls from k on: T * n(n+1)/2 calls in
  all). Run in the first repeat only (its count does not change; at n = 100 it takes minutes), and only up to
  `--every-up-to` (100): at n = 1,000 it would send 1.5 M calls, and the table gives that count computed, marked so;
* one rerun: `replay TRACE --rerun --format json` of the run, every call answered from the recording: the cost of
  a single pass of the app, the unit the experiment's wall is counted in.

`--tries` sets T (3), `--seed` the stub's generator (7, the tests'). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))  # the stub of the tests' kit: `support.plantedstub`
from analyze_throughput import run_child, ours_command, progress  # noqa: E402 - the shared runner, beside this file
from support.plantedstub import PlantedStub  # noqa: E402 - as above

APP = ROOT / "tests" / "cli" / "apps" / "planted_loop.py"
LINES = ("experiment", "every point", "one rerun")
QUIET = ["--format", "json", "--no-progress"]

# The naive experiment: `diagnose --experiment` itself, with `judging/experiment.Search` replaced in the use case by
# a search that tries every fork point in order; each try is made, judged and kept exactly as the real search's are.
EVERY_POINT = '''
import sys
from namel3ss_debug.judging.experiment import Search
from namel3ss_debug.ops import experiment


class EveryPoint(Search):
    def next(self, tried):
        return next((index for index in range(1, self.end) if index not in tried), None)

    @property
    def most_rounds(self):
        return 2 * len(self.points)  # every point once is its whole search: no bound of the real search's

    def most_calls(self):
        n = len(self.points)
        return n, self.tries * n * (n + 1) // 2


experiment.Search = EveryPoint
sys.argv[0] = "namel3ss-debug"
from namel3ss_debug.cli.main import main
main()
'''


class CountingStub(PlantedStub):  # type: ignore[misc,valid-type]
    """The planted stub, counting the model calls it answers without keeping them: the requests of a 1,000-call
    run carry the conversation so far (half a million messages for one pass), which the stub would hold."""

    def __init__(self) -> None:
        super().__init__({})
        self.calls = 0
        self._count_lock = threading.Lock()

    def record(self, method: str, path: str, request: dict[str, Any], key: str) -> dict[str, Any]:
        with self._count_lock:
            self.calls += 1
        return {}


@dataclass
class Line:
    """One line's measures at one n: wall times of its repeats, and what its last run said."""

    walls: list[float] = field(default_factory=list)
    points: int | None = None  # fork points tried
    tries: int | None = None
    calls: int | None = None  # model calls, as the report's `spent` says
    stub_calls: int | None = None  # requests the stub answered meanwhile
    found: str | None = None  # the call named decisive, or the verdict when none was
    computed: bool = False  # not run: `calls` is computed

    @property
    def wall(self) -> float | None:
        return statistics.median(self.walls) if self.walls else None


@dataclass
class Size:
    n: int
    planted: str  # the planted call's address
    tries: int
    record_s: float
    trace_mb: float
    lines: dict[str, Line]


def marker(n: int) -> tuple[int, str]:
    """The planted call's index (about a third of the way in) and the text of its question."""
    k = n // 3 + 1
    return k, f"step {k} of {n}:"


def record(stub: CountingStub, n: int, window: int, out: Path, scratch: Path) -> tuple[Path, float]:
    """`trace` of the app against the stub with the planted call always wrong: the failed run, and its wall."""
    _, text = marker(n)
    stub.plant({text: 1.0})
    argv = [*ours_command(), "trace", "-q", "-o", str(out), str(APP), "--steps", str(n), "--window", str(window),
            "--base-url", stub.openai_url]
    child = run_child(argv, scratch, rss=False)
    made = sorted(out.glob("*.0000.jsonl"))
    if child.returncode != 1 or len(made) != 1:
        raise SystemExit(f"FAILED: the recording should fail once (exit {child.returncode}, {len(made)} runs): "
                         f"{' '.join(argv)}\n{child.stderr[-2000:]}")
    return made[0], child.wall_s


def experiment(stub: CountingStub, trace: Path, n: int, args: argparse.Namespace, out: Path, scratch: Path,
               every: bool) -> tuple[float, dict[str, Any], int]:
    """One experiment (the real search, or every point): its wall, its JSON report, the stub's requests."""
    _, text = marker(n)
    stub.plant({text: args.p}, args.seed)
    before = stub.calls
    # --yes: the app is the tests' own, outside this scratch directory, which a rerun runs only when told to
    args = ["diagnose", str(trace), "--experiment", "--base-url", stub.url, "-o", str(out), "--tries", str(args.tries),
            "--yes", *QUIET]
    argv = [sys.executable, "-c", EVERY_POINT, *args] if every else [*ours_command(), *args]
    child = run_child(argv, scratch, rss=False)
    try:
        report = json.loads(child.stdout)
    except ValueError:
        raise SystemExit(f"FAILED (exit {child.returncode}), no JSON report from {' '.join(argv)}:\n"
                         f"{child.stderr[-3000:]}") from None
    if child.returncode not in (0, 1):
        raise SystemExit(f"FAILED (exit {child.returncode}): {' '.join(argv)}\n{child.stderr[-3000:]}")
    return child.wall_s, report, stub.calls - before


def one_rerun(stub: CountingStub, trace: Path, n: int, out: Path, scratch: Path) -> float:
    """`replay TRACE --rerun`: the run again, every call answered from the recording; stops unless reproduced."""
    before = stub.calls
    argv = [*ours_command(), "replay", str(trace), "--rerun", "--yes", "-o", str(out), *QUIET]
    child = run_child(argv, scratch, rss=False)
    try:
        report = json.loads(child.stdout)
    except ValueError:
        report = {}
    answered = (report.get("counts") or {}).get("recorded")
    if report.get("reproduced") is not True or answered != n or stub.calls != before:
        raise SystemExit(f"FAILED: the rerun of {trace} did not reproduce it from the recording alone "
                         f"({answered} of {n} calls answered, {stub.calls - before} sent to the stub):\n"
                         f"{child.stderr[-2000:]}")
    return child.wall_s


def noted(line: Line, report: dict[str, Any], stub_calls: int) -> None:
    spent = report["spent"]
    conclusion = report["conclusion"]
    line.points, line.tries, line.calls, line.stub_calls = len(report["tried"]), spent["tries"], \
        spent["model_calls"], stub_calls
    decisive = conclusion.get("decisive")
    line.found = decisive["call"] if conclusion["verdict"] == "verified" and decisive else \
        f"{conclusion['verdict']} ({conclusion.get('reason')})"


def measure(stub: CountingStub, n: int, args: argparse.Namespace, work: Path) -> Size:
    k, _ = marker(n)
    scratch = work / "scratch"
    scratch.mkdir(exist_ok=True)
    progress(f"n = {n}: recording (call {k} planted wrong)")
    trace, record_s = record(stub, n, args.window, work / f"rec-{n}", scratch)
    lines = {name: Line() for name in LINES}
    for repeat in range(args.repeats):
        names = [name for name in LINES if name != "every point" or (n <= args.every_up_to and repeat == 0)]
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            progress(f"n = {n}, repeat {repeat + 1}/{args.repeats}: {name}")
            out = work / "out"
            if name == "one rerun":
                lines[name].walls.append(one_rerun(stub, trace, n, out, scratch))
            else:
                wall, report, sent = experiment(stub, trace, n, args, out, scratch, name == "every point")
                lines[name].walls.append(wall)
                noted(lines[name], report, sent)
            shutil.rmtree(out)  # the forks: up to 3,000 runs of up to 60 MB at n = 1,000
    if n > args.every_up_to:
        lines["every point"] = Line(calls=args.tries * n * (n + 1) // 2, points=n, tries=args.tries * n,
                                    computed=True)
    size = Size(n, f"llm:openai.chat#{k}", args.tries, record_s, trace.stat().st_size / 1e6, lines)
    shutil.rmtree(trace.parent)
    return size


# ------------------------------------------------------------------------------ the output

def render(sizes: list[Size], meta: dict[str, Any]) -> str:
    out = [f"`{meta['command']}`, {meta['date']}, Python {meta['python']}, {meta['cpus']} CPUs, load "
           f"{meta['load_before']} before and {meta['load_after']} after; the planted call wrong at p = "
           f"{meta['p']} (seed {meta['seed']}), the app sending {meta['window'] or 'all'} messages a call; medians of "
           f"{meta['repeats']} interleaved repeats (every point: the first only)", "",
           "| n | points tried | calls (experiment) | calls (every point) | ratio | wall (experiment) | "
           "wall (one rerun) | ratio |",
           "|---|---|---|---|---|---|---|---|"]
    for size in sizes:
        ex, every, rerun = (size.lines[name] for name in LINES)
        every_calls = f"{every.calls:,}" + (" (computed, not run)" if every.computed else "")
        out.append(f"| {size.n:,} | {ex.points} of {size.n:,} | {ex.calls:,} | {every_calls} | "
                   f"{every.calls / ex.calls:.1f}x | {ex.wall:.1f} s | {rerun.wall:.2f} s | "
                   f"{ex.wall / rerun.wall:.1f}x |")
    out += ["", "| n | tries at a point | planted | experiment: found | tries | stub's count | every point: found | "
            "tries | stub's count | wall (every point) | recording | trace |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for size in sizes:
        ex, every = size.lines["experiment"], size.lines["every point"]
        if every.computed:
            every_cols = f"not run | {every.tries:,} (computed) | - | not run"
        else:
            every_cols = f"{every.found} | {every.tries:,} | {every.stub_calls:,} | {every.wall:.1f} s"
        out.append(f"| {size.n:,} | {size.tries} | {size.planted} | {ex.found} | {ex.tries} | "
                   f"{ex.stub_calls:,} | {every_cols} | {size.record_s:.2f} s | {size.trace_mb:.1f} MB |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="model calls of each run, comma-separated "
                        "(default 10,100,1000)")
    parser.add_argument("--quick", action="store_true", help="n = 10 and 100 only")
    parser.add_argument("--tries", type=int, default=3, help="tries at each fork point (default 3)")
    parser.add_argument("--p", type=float, default=0.3, help="the planted call's probability of a wrong answer "
                        "in the experiments (default 0.3)")
    parser.add_argument("--seed", type=int, default=7, help="the seed of the stub's draws (default 7)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each line at each n (default 2)")
    parser.add_argument("--every-up-to", type=int, default=100, help="largest n at which every point is tried "
                        "for real (default 100)")
    parser.add_argument("--window", type=int, default=8, help="messages of the conversation the app sends at "
                        "each call (default 8; 0: all of it, which costs the app minutes a pass at n = 1,000)")
    parser.add_argument("--json", action="store_true", help="only JSON on stdout")
    args = parser.parse_args()
    try:
        sizes = [10, 100] if args.quick else [int(part) for part in args.sizes.split(",")]
    except ValueError:
        parser.error(f"--sizes {args.sizes}: give whole numbers, comma-separated, e.g. 10,100")
    if min(sizes) < 2 or args.tries < 1 or args.repeats < 1 or not 0 < args.p < 1 \
            or args.window < 0:
        parser.error("every size must be >= 2, --tries and --repeats >= 1, --window >= 0, and --p "
                     "between 0 and 1")
    meta = {"command": "python bench/" + " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "date": __import__("datetime").date.today().isoformat(), "python": platform.python_version(),
            "cpus": len(os.sched_getaffinity(0)), "load_before": round(os.getloadavg()[0], 2), "p": args.p,
            "repeats": args.repeats, "window": args.window,
            "seed": args.seed, "tries": args.tries}
    stub = CountingStub().start()
    try:
        with tempfile.TemporaryDirectory(prefix="experiment-cost-") as work:
            measured = [measure(stub, n, args, Path(work)) for n in sizes]
    finally:
        stub.stop()
    meta["load_after"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps({"meta": meta, "sizes": [asdict(size) for size in measured]}, indent=2))
    else:
        print(render(measured, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
