"""How quickly `replay --step` shows its first prompt, and what stepping through a big trace costs.

    python bench/replay_scale.py                 # a 1 GiB trace (made once, about 12 s), 3 repeats
    python bench/replay_scale.py --quick         # a 0.1 GiB trace
    python bench/replay_scale.py --size-gib 2 --repeats 5 --json

Two measures, each against an alternative measured in the same run:

* first prompt: `namel3ss-debug replay SMALL --step` on a pseudo-terminal, from start to the prompt,
  against `python -m pdb` on a three-line script, from start to its `(Pdb)` prompt.
* a big trace: `replay BIG --commands SCRIPT` (break on errors, continue, where, print, next, finish,
  back, goto the middle, step, next, list, a conditional breakpoint, continue, stats), wall time and
  peak RSS, against the simplest alternative that can step back and forth: every line decoded with
  orjson into a list of dicts (then the same walk is trivial), measured the same way.

Both read the trace with `--no-cache`: they measure a first read, not the timeline a replay keeps in the
cache (`read_speed.py` times that).

Peak RSS is measured as `analyze_throughput.py` measures it (GNU time's `%M` when installed, which forks
the command from a ~1 MB process; else `os.wait4` here, which cannot report less than this script).
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from analyze_throughput import GIB, ours_command, prepare_trace, run_child
from trace_gen import generate

SCRIPT = """b errors
c
where
p error.message
n
finish
back
goto {middle}
s
n
l
b llm if usage.total_tokens > 3000
c
stats
q
"""
NAIVE = ("import orjson, sys; events = [orjson.loads(line) for line in open(sys.argv[1], 'rb')]; "
         "failed = [i for i, e in enumerate(events) if e.get('status') == 'failed']; print(len(events), len(failed))")
PDB_TARGET = "x = 1\ny = 2\nprint(x + y)\n"


def run(command: list[str], scratch: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one process (GNU time's figure when installed, see run_child)."""
    child = run_child(command, scratch, discard_stdout=True)
    if child.returncode != 0:
        raise SystemExit(f"{command} failed: {child.stderr[-2000:]}")
    return child.wall_s, child.peak_rss_bytes >> 20


def first_prompt(command: list[str], prompt: bytes, cwd: Path) -> float:
    """Seconds from starting `command` on a pseudo-terminal until `prompt` is on the screen."""
    leader, follower = pty.openpty()
    termios.tcsetwinsize(follower, (50, 120))
    env = {**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, cwd=cwd, env=env,
                               start_new_session=True)
    os.close(follower)
    seen = b""
    try:
        while prompt not in seen:
            ready, _, _ = select.select([leader], [], [], 30)
            if not ready:
                raise SystemExit(f"no prompt from {command}: {seen[-500:]!r}")
            seen += os.read(leader, 65536)
        return time.perf_counter() - start
    finally:
        process.kill()
        process.wait()
        os.close(leader)


def measure_prompts(directory: Path, repeats: int) -> dict[str, float]:
    small = directory / "small.jsonl"
    generate(small, 64 * 1024)
    target = directory / "target.py"
    target.write_text(PDB_TARGET)
    ours = [first_prompt([*ours_command(), "replay", str(small), "--step", "--no-cache"], b"(replay)",
                         directory) for _ in range(repeats)]
    pdb = [first_prompt([sys.executable, "-m", "pdb", str(target)], b"(Pdb)", directory) for _ in range(repeats)]
    return {"replay_first_prompt_s": statistics.median(ours), "pdb_first_prompt_s": statistics.median(pdb)}


def measure_big(path: Path, events: int, repeats: int, directory: Path) -> dict[str, float]:
    script = directory / "session.txt"
    script.write_text(SCRIPT.format(middle=events // 2))
    ours = [run([*ours_command(), "replay", str(path), "--commands", str(script), "--no-progress", "--no-cache"],
                directory)
            for _ in range(repeats)]
    naive = [run([sys.executable, "-c", NAIVE, str(path)], directory) for _ in range(repeats)]
    return {"replay_session_s": statistics.median(t for t, _ in ours),
            "replay_peak_rss_mb": max(m for _, m in ours),
            "naive_load_s": statistics.median(t for t, _ in naive),
            "naive_peak_rss_mb": max(m for _, m in naive)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gib", type=float, default=1.0)
    parser.add_argument("--quick", action="store_true", help="a 0.1 GiB trace")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="where the big trace is made (kept there for the next run)")
    parser.add_argument("--json", action="store_true", help="only JSON on stdout")
    args = parser.parse_args()
    size = 0.1 if args.quick else args.size_gib
    with tempfile.TemporaryDirectory() as scratch:
        # With --dir, kept for the next run (and shared with analyze_throughput.py --dir --keep).
        big, totals = prepare_trace(args.dir or Path(scratch), int(size * GIB), keep=args.dir is not None)
        events = totals.events
        figures = {"trace_bytes": big.stat().st_size, "events": events,
                   **measure_prompts(Path(scratch), max(args.repeats, 5)),
                   **measure_big(big, events, args.repeats, Path(scratch))}
    figures["prompt_ratio_vs_pdb"] = figures["replay_first_prompt_s"] / figures["pdb_first_prompt_s"]
    figures["rss_ratio_vs_naive"] = figures["replay_peak_rss_mb"] / figures["naive_peak_rss_mb"]
    figures["time_ratio_vs_naive"] = figures["replay_session_s"] / figures["naive_load_s"]
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"trace: {figures['trace_bytes'] / (1 << 30):.2f} GiB, {events:,} events")
    print(f"first prompt: replay {figures['replay_first_prompt_s'] * 1000:.0f} ms, python -m pdb "
          f"{figures['pdb_first_prompt_s'] * 1000:.0f} ms ({figures['prompt_ratio_vs_pdb']:.1f}x pdb; target "
          f"<= 500 ms: {'PASS' if figures['replay_first_prompt_s'] <= 0.5 else 'MISS'})")
    print(f"big-trace session: replay {figures['replay_session_s']:.1f} s, peak RSS "
          f"{figures['replay_peak_rss_mb']} MB (target <= 300 MB: "
          f"{'PASS' if figures['replay_peak_rss_mb'] <= 300 else 'MISS'})")
    print(f"naive orjson list: {figures['naive_load_s']:.1f} s, peak RSS {figures['naive_peak_rss_mb']} MB "
          f"(replay uses {figures['rss_ratio_vs_naive']:.2f}x its memory, {figures['time_ratio_vs_naive']:.2f}x "
          "its time)")


if __name__ == "__main__":
    main()
