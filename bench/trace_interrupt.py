"""How long `namel3ss-debug trace` takes to end after Ctrl-C of an app whose threads never end (issue 97).

    python bench/trace_interrupt.py                    # 10 runs of each app, interleaved (about a minute)
    python bench/trace_interrupt.py --runs 3 --mb 20 --guard 30

The app is tests/e2e/apps/distinct_spans.py with 4 non-daemon threads, each opening spans of distinct names
under the root span for ever (nothing in the app tells them to stop: Python alone would wait for them for ever
after Ctrl-C). The named alternative, run in the same session and interleaved with it, is the same app
single-threaded (its main thread runs the loop, which Ctrl-C stops where it is).

Each run starts `python -m namel3ss_debug trace -o DIR app.py THREADS` in a process group of its own, waits
until DIR holds `--mb` MB, sends SIGINT to the group (as a terminal's Ctrl-C does), and times the command's
exit from that moment, with `--guard` seconds as a hang guard (the group is killed then, and the run counted
as not ended). Each run's line says the time, the exit code, the trace's size, whether every line of it is
whole JSON with `run_end` last, and whether the summary was printed. Target: every 4-thread run ends within
5 s (PASS/MISS).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "tests" / "e2e" / "apps" / "distinct_spans.py"
TARGET_S = 5.0
VARIANTS = (("4 threads", 4), ("single-threaded", 0))


@dataclass
class Ended:
    seconds: float | None  # None: not ended within the guard
    code: int | None
    size_mb: float
    whole: bool
    summary: bool


def size_mb(directory: Path) -> float:
    return sum(path.stat().st_size for path in directory.glob("*.jsonl")) / 1e6


def whole(directory: Path) -> bool:
    """Every line of every segment is one JSON event, and the last segment ends with run_end."""
    last = None
    for path in sorted(directory.glob("*.jsonl")):
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            return False
        for line in data.splitlines():
            try:
                last = orjson.loads(line)
            except orjson.JSONDecodeError:
                return False
    return last is not None and last.get("event_type") == "run_end"


def one_run(threads: int, mb: float, guard: float, work: Path) -> Ended:
    traces = work / "t"
    shutil.rmtree(traces, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    proc = subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "trace", "-o", str(traces), str(APP),
                             str(threads)], cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    while proc.poll() is None and (not traces.is_dir() or size_mb(traces) < mb):
        time.sleep(0.05)
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=guard)
        seconds: float | None = time.monotonic() - sent
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        seconds = None
    return Ended(seconds, proc.returncode if seconds is not None else None, size_mb(traces), whole(traces),
                 b"trace:" in stderr)


def line(name: str, i: int, ended: Ended, guard: float) -> str:
    took = f"{ended.seconds:6.2f} s" if ended.seconds is not None else f"> {guard:g} s (killed)"
    return (f"{name:16} run {i + 1:2}: {took}  exit {ended.code}  trace {ended.size_mb:6.1f} MB  "
            f"whole {'yes' if ended.whole else 'NO'}  summary {'yes' if ended.summary else 'no'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each app (default 10)")
    parser.add_argument("--mb", type=float, default=5.0, help="MB of trace written before Ctrl-C (default 5)")
    parser.add_argument("--guard", type=float, default=60.0, help="seconds before a run is killed (default 60)")
    args = parser.parse_args()
    times: dict[str, list[float | None]] = {name: [] for name, _ in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="trace-interrupt-") as work:
        for i in range(args.runs):
            for name, threads in VARIANTS:  # interleaved: both apps see the same load
                ended = one_run(threads, args.mb, args.guard, Path(work))
                times[name].append(ended.seconds)
                print(line(name, i, ended, args.guard), flush=True)
    for name, _ in VARIANTS:
        ended_in = [t for t in times[name] if t is not None]
        worst = f"{max(ended_in):.2f} s" if len(ended_in) == len(times[name]) else f"> {args.guard:g} s"
        print(f"{name}: " + " ".join(f"{t:.2f}" if t is not None else "hang" for t in times[name]) + f"  max {worst}")
    four = times[VARIANTS[0][0]]
    within = sum(1 for t in four if t is not None and t <= TARGET_S)
    print(f"4 threads within {TARGET_S:g} s of Ctrl-C: {within} of {len(four)} "
          f"({'PASS' if within == len(four) else 'MISS'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
