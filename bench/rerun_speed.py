"""How fast `replay --rerun` runs an app again with its calls answered from the recording, and its memory.

    python bench/rerun_speed.py                    # 200 LLM + 200 tool calls, 10 ms latency, 3 repeats: under a minute
    python bench/rerun_speed.py --calls 1000 --latency 0.05 --repeat 5
    python bench/rerun_speed.py --big 0            # skip the scale point (5,000 + 5,000 calls)
    python bench/rerun_speed.py --dir /tmp/rerun --json                 # keep the app and traces; JSON only on stdout

A small app is written into DIR: N turns, each an `@trace_llm_call` (a fake model that sleeps
`--latency` seconds and returns a dict with about 1 KB of text, usage and model) and an
`@trace_tool_call` (sleeps as long, returns three snippets). Every line is a whole command in a
subprocess, `--repeat` times, in an order that rotates from one repeat to the next; the median is shown.

* traced run: `namel3ss-debug trace -q -o DIR/traces/... app.py N LATENCY`, the real run with its latency;
* rerun: `namel3ss-debug replay TRACE --rerun --format json -o DIR/rerun/...` of that trace: the same app,
  every call answered from the recording. Its JSON report must say `"reproduced": true` (the app with no
  calls: no divergence, since a rerun that replayed nothing is never "reproduced"), else the
  benchmark stops;
* traced run without latency (`app.py N 0`): the app with the same tracing and nothing to wait for, the
  alternative that isolates what the rerun adds (loading the recording, matching each call to its twin,
  comparing the two runs);
* start-up: a traced run and a rerun of the same app making no calls, subtracted for the per-call figures;
* scale (`--big N`, default 5,000; 0 skips): a traced run without latency and its rerun, to show growth.

Peak RSS is measured as `analyze_throughput.py` measures it (GNU time's `%M` when installed, which forks
the command from a ~1 MB process; else `os.wait4` here, which cannot report less than this script).
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
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from analyze_throughput import GNU_TIME, Child, ours_command, progress, run_child

APP = '''"""A traced agent loop for bench/rerun_speed.py: python app.py CALLS LATENCY_S."""
import sys
import time

from namel3ss_debug import trace_llm_call, trace_tool_call

CALLS, LATENCY = int(sys.argv[1]), float(sys.argv[2])
SYSTEM = ("You are a research assistant. Answer from the search results, cite them by number, and say "
          "when the results do not answer the question. Keep answers short and factual. ") * 2
SENTENCES = [
    "The retrieval step found three documents that mention the deployment window and its rollback plan.",
    "According to result [2], the cache layer was introduced to cut p95 latency on the search endpoint.",
    "Result [1] says the \\"batch\\" mode trades freshness for throughput; it refreshes every 15 minutes.",
    "None of the results state the exact cost per request, so this answer gives a range: 0.2-0.4 cents.",
    "The migration finished in two phases; the second one moved the vector index to the new cluster.",
    "Result [3] notes that the rate limit is per API key, not per user, which explains the 429 errors.",
    "Überprüfung: the summary was checked against the source text and the quoted figures match it.",
    "A follow-up query would be needed to confirm whether the old endpoint is still served anywhere.",
    "Error budgets were spent mostly on timeouts from the upstream model provider during peak hours.",
    "The team recommends pinning the model version so that answers stay comparable between releases.",
]


def answer_text(i):
    """About 1 KB of text, different for every call."""
    return " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(10))[:1024]


@trace_llm_call(name="planner")
def plan(messages, model="gpt-4o-mini", temperature=0.2):
    if LATENCY:  # time.sleep(0) still yields the CPU: tens of us a call, which is not the tracer's
        time.sleep(LATENCY)
    i = len(messages[-1]["content"]) + int(messages[-1]["content"].rsplit(" ", 1)[-1])
    return {"id": f"chatcmpl-bench{i:025d}", "model": model, "text": answer_text(i),
            "usage": {"input_tokens": 180 + i % 50, "output_tokens": 240 + i % 70,
                      "total_tokens": 420 + i % 50 + i % 70},
            "finish_reason": "stop"}


@trace_tool_call(name="search")
def search(query, top_k=3):
    if LATENCY:  # time.sleep(0) still yields the CPU: tens of us a call, which is not the tracer's
        time.sleep(LATENCY)
    text = answer_text(len(query))
    return {"query": query, "results": [{"rank": k + 1, "snippet": text[k * 300:(k + 1) * 300]} for k in range(top_k)]}


history = []
for turn in range(CALLS):
    reply = plan([{"role": "system", "content": SYSTEM},
                  {"role": "user", "content": f"What changed in the search service, part {turn}"}])
    found = search(reply["text"][:60])
    history.append(len(reply["text"]) + len(found["results"]))
print(CALLS, sum(history))
'''


# ------------------------------------------------------------------------------ one command

def checked(child: Child, argv: list[str]) -> Child:
    if child.returncode != 0:
        raise SystemExit(f"FAILED (exit {child.returncode}): {' '.join(argv)}\n{child.stderr[-3000:]}")
    return child


def new_files(directory: Path, before: set[Path]) -> list[Path]:
    return sorted(path for path in directory.glob("*.jsonl") if path not in before)


def traced_run(app: Path, calls: int, latency: float, out: Path, scratch: Path) -> tuple[Child, Path]:
    """`namel3ss-debug trace -q -o OUT app.py CALLS LATENCY`: the process, and the first segment it wrote."""
    out.mkdir(parents=True, exist_ok=True)
    before = set(out.glob("*.jsonl"))
    argv = [*ours_command(), "trace", "-q", "-o", str(out), str(app), str(calls), repr(latency)]
    child = checked(run_child(argv, scratch), argv)
    if child.stdout.split()[:1] != [str(calls).encode()]:
        raise SystemExit(f"FAILED: the app printed {child.stdout[-200:]!r}, expected its call count first")
    made = new_files(out, before)
    if not made:
        raise SystemExit(f"FAILED: no trace written in {out}")
    return child, next((path for path in made if path.name.endswith(".0000.jsonl")), made[0])


def rerun(trace: Path, out: Path, scratch: Path, calls: int | None = None) -> tuple[Child, dict[str, Any]]:
    """`namel3ss-debug replay TRACE --rerun --format json -o OUT`; stops the benchmark unless reproduced
    (and, given `calls`, with that many calls answered from the recording)."""
    # --yes: the app is the one this benchmark wrote, in its own directory, which a rerun runs only when told to
    argv = [*ours_command(), "replay", str(trace), "--rerun", "--yes", "--format", "json", "-o", str(out),
            "--no-progress"]
    child = run_child(argv, scratch)
    try:
        report = json.loads(child.stdout)
    except ValueError:
        raise SystemExit(f"FAILED (exit {child.returncode}), no JSON report from {' '.join(argv)}:\n"
                         f"{child.stdout[-1000:]!r}\n{child.stderr[-3000:]}") from None
    answered = (report.get("counts") or {}).get("recorded")
    # A run with no calls has nothing to replay, so it is never "reproduced": it must only match, event for event.
    matched = report.get("reproduced") is True or (calls == 0 and (report.get("comparison") or {}).get("first") is None
                                                   and report.get("exit_code") == 0)
    if child.returncode != 0 or not matched or (calls is not None and answered != calls):
        details = {key: report.get(key) for key in ("reproduced", "counts", "comparison", "misses", "notes",
                                                    "new_ending", "exit_code")}
        wanted = f" with {calls} calls answered from the recording" if calls is not None else ""
        raise SystemExit(f"FAILED: the rerun of {trace} did not reproduce it{wanted} (exit {child.returncode}):\n"
                         f"{json.dumps(details, indent=2)}\n{child.stderr[-2000:]}")
    return child, report


def discard(run_file: Path) -> None:
    """A run's files (segments, index): kept from the last repeat only, so --dir does not fill up."""
    run_id = run_file.name.split(".", 1)[0]
    for path in run_file.parent.glob(f"{run_id}.*"):
        path.unlink()


# ------------------------------------------------------------------------------ the measures

def measure(directory: Path, scratch: Path, calls: int, latency: float, big: int, repeats: int) -> dict[str, Any]:
    app = directory / "app.py"
    app.write_text(APP)
    traces, reruns = directory / "traces", directory / "rerun"
    # name: (calls, latency, with a rerun)
    lines = {"real": (calls, latency, True), "nolat": (calls, 0.0, False), "empty": (0, 0.0, True)}
    if big:
        lines["big"] = (big, 0.0, True)
    runs: dict[str, list[tuple[float, int]]] = {}
    sizes: dict[str, int] = {}
    names = list(lines)
    for repeat in range(repeats):
        last = repeat == repeats - 1
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            n, lat, with_rerun = lines[name]
            progress(f"repeat {repeat + 1}/{repeats}: {name} (traced run of {n} + {n} calls, {lat:g} s latency"
                     f"{', then its rerun' if with_rerun else ''})")
            child, trace = traced_run(app, n, lat, traces / name, scratch)
            runs.setdefault(f"{name}_traced", []).append((child.wall_s, child.peak_rss_bytes))
            sizes[name] = trace.stat().st_size
            if with_rerun:
                again, report = rerun(trace, reruns / name, scratch, calls=2 * n)  # each LLM and tool call
                runs.setdefault(f"{name}_rerun", []).append((again.wall_s, again.peak_rss_bytes))
                if not last:
                    for made in report.get("new_trace") or ():
                        discard(Path(made))
            if not last:
                discard(trace)
    figures: dict[str, Any] = {"calls": calls, "latency_s": latency, "big": big, "repeats": repeats,
                               "trace_bytes": sizes}
    for key, values in runs.items():
        figures[f"{key}_s"] = statistics.median(wall for wall, _ in values)
        figures[f"{key}_s_min"] = min(wall for wall, _ in values)
        figures[f"{key}_s_max"] = max(wall for wall, _ in values)
        figures[f"{key}_peak_rss_mb"] = round(max(rss for _, rss in values) / 1e6, 1)
    return figures


def derive(f: dict[str, Any]) -> None:
    """Ratios and per-call figures (a call is one LLM or tool call: 2N per run)."""
    n, big = f["calls"], f["big"]
    f["rerun_vs_real"] = f["real_rerun_s"] / f["real_traced_s"]
    f["rerun_vs_nolat"] = f["real_rerun_s"] / f["nolat_traced_s"]
    f["rerun_us_per_call"] = (f["real_rerun_s"] - f["empty_rerun_s"]) / (2 * n) * 1e6
    f["traced_nolat_us_per_call"] = (f["nolat_traced_s"] - f["empty_traced_s"]) / (2 * n) * 1e6
    f["real_ms_per_call"] = (f["real_traced_s"] - f["empty_traced_s"]) / (2 * n) * 1e3
    f["startup_noise_us_per_call"] = (f["empty_rerun_s_max"] - f["empty_rerun_s_min"]) / 2 / (2 * n) * 1e6
    f["rss_rerun_vs_real"] = f["real_rerun_peak_rss_mb"] / f["real_traced_peak_rss_mb"]
    if big:
        f["big_rerun_us_per_call"] = (f["big_rerun_s"] - f["empty_rerun_s"]) / (2 * big) * 1e6
        f["big_traced_us_per_call"] = (f["big_traced_s"] - f["empty_traced_s"]) / (2 * big) * 1e6
        f["big_rerun_vs_traced"] = f["big_rerun_s"] / f["big_traced_s"]
        f["big_rss_rerun_vs_traced"] = f["big_rerun_peak_rss_mb"] / f["big_traced_peak_rss_mb"]
        f["rerun_rss_kb_per_call"] = ((f["big_rerun_peak_rss_mb"] - f["real_rerun_peak_rss_mb"])
                                      / (2 * (big - n)) * 1e3 if big != n else None)


def render(f: dict[str, Any]) -> str:
    n, big, lat = f["calls"], f["big"], f["latency_s"]
    rows = [("traced run, %g ms latency" % (lat * 1e3), "real_traced", n),
            ("rerun of it (replay --rerun)", "real_rerun", n),
            ("traced run, no latency", "nolat_traced", n),
            ("traced run, no calls", "empty_traced", 0),
            ("rerun, no calls (start-up)", "empty_rerun", 0)]
    if big:
        rows += [("traced run, no latency", "big_traced", big), ("rerun of it", "big_rerun", big)]
    out = [f"rerun speed: {n} LLM + {n} tool calls per run, {lat * 1e3:g} ms latency each; median of "
           f"{f['repeats']} repeats; Python {platform.python_version()}, {f['cpus']} CPUs, load {f['loadavg']}; "
           f"RSS by {'GNU time %M' if GNU_TIME else 'os.wait4 (floor: this script)'}",
           f"{'line':<34} {'calls':>6} {'wall (min-max)':>22} {'peak RSS':>9}"]
    for label, key, calls in rows:
        wall = f"{f[key + '_s']:.3f} s ({f[key + '_s_min']:.2f}-{f[key + '_s_max']:.2f})"
        out.append(f"{label:<34} {2 * calls:>6} {wall:>22} {f[key + '_peak_rss_mb']:>6.0f} MB")
    out += [
        f"rerun / traced run with latency:    {f['rerun_vs_real']:.3f}x ({1 / f['rerun_vs_real']:.0f}x faster; "
        f"the real run waits {f['real_ms_per_call']:.1f} ms a call)",
        f"rerun / traced run without latency: {f['rerun_vs_nolat']:.2f}x (start-up included)",
        f"peak RSS, rerun / traced run:       {f['rss_rerun_vs_real']:.2f}x at {2 * n} calls"
        + (f", {f['big_rss_rerun_vs_traced']:.2f}x at {2 * big}" if big else ""),
        f"per call, start-up subtracted (start-up spread: +-{f['startup_noise_us_per_call']:.0f} us a call at "
        f"{2 * n} calls):",
        f"  {'calls':>6} {'rerun':>9} {'traced, no latency':>19} {'rerun adds':>11} {'rerun RSS':>10} {'trace':>9}",
        f"  {2 * n:>6} {f['rerun_us_per_call']:>6.0f} us {f['traced_nolat_us_per_call']:>16.0f} us "
        f"{f['rerun_us_per_call'] - f['traced_nolat_us_per_call']:>8.0f} us {f['real_rerun_peak_rss_mb']:>7.0f} MB "
        f"{f['trace_bytes']['real'] / 1e6:>6.1f} MB",
    ]
    if big:
        out.append(f"  {2 * big:>6} {f['big_rerun_us_per_call']:>6.0f} us {f['big_traced_us_per_call']:>16.0f} us "
                   f"{f['big_rerun_us_per_call'] - f['big_traced_us_per_call']:>8.0f} us "
                   f"{f['big_rerun_peak_rss_mb']:>7.0f} MB {f['trace_bytes']['big'] / 1e6:>6.1f} MB")
        if f.get("rerun_rss_kb_per_call") is not None:
            out.append(f"rerun RSS growth: {f['rerun_rss_kb_per_call']:.1f} KB a call "
                       f"({f['trace_bytes']['big'] / (2 * big) / 1e3:.1f} KB of trace a call); the rerun takes "
                       f"{f['big_rerun_vs_traced']:.2f}x the traced run's wall at {2 * big} calls")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, help="where the app and its traces go (kept; default a temporary "
                        "directory deleted after)")
    parser.add_argument("--calls", type=int, default=200, help="LLM calls, and as many tool calls (default 200)")
    parser.add_argument("--latency", type=float, default=0.01, help="seconds each fake call sleeps (default 0.01)")
    parser.add_argument("--repeat", "--repeats", type=int, default=3, help="runs of each line (default 3)")
    parser.add_argument("--big", type=int, default=5000, help="calls of the scale point (default 5000; 0 skips)")
    parser.add_argument("--json", action="store_true", help="only JSON on stdout")
    args = parser.parse_args()
    if args.calls < 1 or args.repeat < 1 or args.big < 0 or args.latency < 0:
        parser.error("--calls and --repeat must be >= 1, --big and --latency >= 0")
    with tempfile.TemporaryDirectory() as scratch:
        directory = (args.dir or Path(scratch) / "bench").resolve()
        directory.mkdir(parents=True, exist_ok=True)
        figures = measure(directory, Path(scratch), args.calls, args.latency, args.big, args.repeat)
    figures["cpus"] = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    figures["loadavg"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    figures["rss_measured_by"] = "GNU time %M" if GNU_TIME else "os.wait4 ru_maxrss"
    derive(figures)
    print(json.dumps(figures, indent=2) if args.json else render(figures))


if __name__ == "__main__":
    main()
