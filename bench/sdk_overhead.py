"""What the SDK instrumentation costs per openai / anthropic call, and what a rerun of an SDK app saves.

    python bench/sdk_overhead.py               # 5 repeats x 100 calls a line, a 50-call app: about a minute
    python bench/sdk_overhead.py --quick       # 2 repeats x 20 calls, a 6-call app: under 20 s
    python bench/sdk_overhead.py --calls 300 --repeats 7 --json       # JSON only on stdout
    python bench/sdk_overhead.py --latency 0.05 --app-calls 100       # the app's stub answers in 50 ms
    python bench/sdk_overhead.py --dir /dev/shm                       # trace files on tmpfs: no disk in the figures

Every call goes over HTTP to examples/llm_stub_server.py, served from a thread of this script (a
separate process from the one timed; the stub sets TCP_NODELAY, else each non-streamed answer would
wait about 40 ms for a delayed ACK). The user message is 50 words, different for every call, and the stub echoes it,
so a reply is about 50 words (a stream: one chunk per word). Both SDKs, sync calls, not streamed
(`create`) and streamed (`create(stream=True)`, read to the end):

* plain: a child process (bench/sdk_overhead_child.py) that never imports namel3ss_debug;
* instrumented, no run: a child process that called `namel3ss_debug.instrument([SDK])`, with no run
  active: the pass-through cost every call of an instrumented app pays when tracing is off;
* traced: the same child, with a run active (`configure(enabled=True, trace_output_dir=...)`, default
  settings, redaction on): each batch of calls is one run, timed with the final flush, and its trace is
  checked (one completed `llm_call_end` a call, the reply's text, the stream's item count).

One child process per SDK and kind (plain / instrumented) and repeat, since instrumenting cannot be undone
in a process; in the instrumented child the pass-through and traced batches alternate. The children and,
inside each, its batches run in an order that rotates from one repeat to the next; each figure is the median
over the repeats (min-max beside it) of a batch's wall time divided by its calls, and beside it the same for
the child's CPU time (all its threads), which a busy machine disturbs less. The run's own cost is also given
as traced - pass-through within each instrumented child (the median of those differences), free of the
spread between processes. Bytes per call are what a traced batch's run wrote less what a run with no call
writes.

The whole-app lines run an app making N openai calls (every other one streamed) against a stub that
waits `--latency` seconds before each answer, each line a whole command in a subprocess:
`python app.py` (plain), `namel3ss-debug trace -q app.py` (traced), and `namel3ss-debug replay TRACE
--rerun --format json` of the latest traced run with no stub running at all: its report must say
`"reproduced": true` with all N calls answered from the recording, else the benchmark stops.

Children and commands run in a scratch directory without a workspace file, and without the caller's
`NAMEL3SS_DEBUG_*` variables: default settings. Peak RSS is measured as `analyze_throughput.py` measures
it (GNU time's `%M` when installed). What each line measures: bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "examples"))
from analyze_throughput import GNU_TIME, Child, ours_command, progress, run_child  # noqa: E402
from llm_stub_server import StubServer  # noqa: E402
from rerun_speed import rerun as checked_rerun  # noqa: E402
from sdk_overhead_child import MODES, WORDS  # noqa: E402

SCHEMA = "namel3ss-debug/bench-sdk-overhead/1"
SDKS = ("openai", "anthropic")
REPEATS = 5


class BenchStub(StubServer):
    """The example stub (TCP_NODELAY on its connections, a 50 ms stop) with, optionally, a wait before
    each answer."""

    def __init__(self, latency: float = 0.0):
        super().__init__()
        base = self._server.RequestHandlerClass

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                if latency:
                    time.sleep(latency)
                super().do_POST()

        self._server.RequestHandlerClass = Handler


# ------------------------------------------------------------------------------ the parent: SDK calls

def measure_calls(root: Path, scratch: Path, calls: int, warmup: int, repeats: int) -> dict[str, Any]:
    stub = BenchStub().start()
    children = [(sdk, instrumented) for sdk in SDKS for instrumented in (False, True)]
    runs: dict[str, list[float]] = {}
    cpu_runs: dict[str, list[float]] = {}
    raw: list[dict[str, Any]] = []
    rss: dict[str, list[int]] = {}
    try:
        for repeat in range(repeats):
            shift = repeat % len(children)
            for sdk, instrumented in children[shift:] + children[:shift]:
                kind = "instrumented" if instrumented else "plain"
                progress(f"repeat {repeat + 1}/{repeats}: {sdk}, {kind} child "
                         f"({'pass-through and traced' if instrumented else 'plain'} batches of {calls} calls)")
                directory = Path(tempfile.mkdtemp(prefix=f"{sdk}-{kind}-", dir=root))
                spec = {"sdk": sdk, "instrumented": instrumented, "url": stub.url, "calls": calls, "warmup": warmup,
                        "shift": repeat, "root": str(directory)}
                served = len(stub.requests)
                argv = [sys.executable, str(BENCH / "sdk_overhead_child.py"), json.dumps(spec)]
                child = run_child(argv, scratch)
                if child.returncode != 0:
                    raise SystemExit(f"FAILED (exit {child.returncode}): the {sdk} {kind} child\n"
                                     f"{child.stderr[-3000:]}")
                result = json.loads(child.stdout)
                expected = len(MODES) * (2 * warmup + (2 * calls if instrumented else calls))
                if len(stub.requests) - served != expected:
                    raise SystemExit(f"FAILED: the {sdk} {kind} child made {len(stub.requests) - served} requests, "
                                     f"expected {expected}")
                del stub.requests[:], stub.seen_keys[:]
                if result.get("errors"):
                    raise SystemExit(f"FAILED: {result['errors']} tracer failures in the {sdk} traced batches")
                for line, ns in result["ns_per_call"].items():
                    runs.setdefault(f"{sdk}/{line}", []).append(ns)
                    cpu_runs.setdefault(f"{sdk}/{line}", []).append(result["cpu_ns_per_call"][line])
                rss.setdefault(f"{sdk}/{kind}", []).append(child.peak_rss_bytes)
                raw.append({"sdk": sdk, "kind": kind, **result})
                for path in sorted(directory.rglob("*"), reverse=True):
                    path.rmdir() if path.is_dir() else path.unlink()
                directory.rmdir()
    finally:
        stub.stop()
    lines: dict[str, Any] = {}
    for key, values in runs.items():
        lines[key] = {"median_ms": statistics.median(values) / 1e6, "min_ms": min(values) / 1e6,
                      "max_ms": max(values) / 1e6, "runs_ms": [round(v / 1e6, 4) for v in values],
                      "cpu_median_ms": statistics.median(cpu_runs[key]) / 1e6,
                      "cpu_runs_ms": [round(v / 1e6, 4) for v in cpu_runs[key]]}
    per_sdk: dict[str, Any] = {}
    for sdk in SDKS:
        traced = [r for r in raw if r["sdk"] == sdk and r["kind"] == "instrumented"]
        per_sdk[sdk] = {
            "bytes_per_call": {mode: round(statistics.median(r["bytes_per_call"][mode] for r in traced))
                               for mode in MODES},
            "empty_run_bytes": traced[0]["empty_run_bytes"],
            "stream_items": traced[0]["items"]["stream"],
            "wrapper_ns_added": statistics.median(r["wrapper_ns_added"] for r in traced),
            # traced - pass-through within each instrumented child, then the median: the run's own cost
            # without the spread between processes
            "run_added_ms": {mode: {unit: statistics.median(
                (r[key][f"traced/{mode}"] - r[key][f"passthrough/{mode}"]) / 1e6 for r in traced)
                for unit, key in (("wall", "ns_per_call"), ("cpu", "cpu_ns_per_call"))} for mode in MODES},
            "peak_rss_mb": {kind: round(max(rss[f"{sdk}/{kind}"]) / 1e6, 1) for kind in ("plain", "instrumented")},
        }
    return {"lines": lines, "sdks": per_sdk}


# ------------------------------------------------------------------------------ the parent: whole app

APP = '''"""An app of N openai calls, every other one streamed, for bench/sdk_overhead.py: python app.py N BASE_URL."""
import sys

import openai

CALLS, URL = int(sys.argv[1]), sys.argv[2]
WORDS = {words!r}
client = openai.OpenAI(base_url=URL, api_key="sk-bench", max_retries=0)
total = 0
for i in range(CALLS):
    text = f"Call {{i}}: " + " ".join(WORDS[(i + k) % len(WORDS)] for k in range(48))
    messages = [{{"role": "user", "content": text}}]
    if i % 2:
        reply = "".join(chunk.choices[0].delta.content or "" for chunk in client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, stream=True) if chunk.choices)
    else:
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages).choices[0].message.content
    if reply != "Echo: " + text:
        sys.exit(f"call {{i}}: unexpected reply {{reply[:80]!r}}")
    total += len(reply)
print(CALLS, total)
'''


def checked(child: Child, argv: list[str], calls: int) -> Child:
    if child.returncode != 0:
        raise SystemExit(f"FAILED (exit {child.returncode}): {' '.join(argv)}\n{child.stderr[-3000:]}")
    if child.stdout.split()[:1] != [str(calls).encode()]:
        raise SystemExit(f"FAILED: the app printed {child.stdout[-200:]!r}, expected its call count first")
    return child


def app_run(app: Path, calls: int, latency: float, scratch: Path, traces: Path | None) -> tuple[Child, Path | None]:
    """The app against a stub of its own, started for this run and stopped after: plain, or traced into `traces`."""
    stub = BenchStub(latency).start()
    try:
        command = [sys.executable] if traces is None else [*ours_command(), "trace", "-q", "-o", str(traces)]
        argv = [*command, str(app), str(calls), stub.openai_url]
        before = set(traces.glob("*.jsonl")) if traces else set()
        child = checked(run_child(argv, scratch), argv, calls)
        if len(stub.requests) != calls:
            raise SystemExit(f"FAILED: the stub answered {len(stub.requests)} requests, expected {calls}")
    finally:
        stub.stop()
    if traces is None:
        return child, None
    made = sorted(path for path in traces.glob("*.jsonl") if path not in before)
    if not made:
        raise SystemExit(f"FAILED: no trace written in {traces}")
    return child, next((path for path in made if path.name.endswith(".0000.jsonl")), made[0])


def rerun(trace: Path, calls: int, out: Path, scratch: Path) -> tuple[Child, dict[str, Any]]:
    """`replay TRACE --rerun --format json`, no stub running, checked as `rerun_speed` checks it; its new
    trace is deleted."""
    child, report = checked_rerun(trace, out, scratch, calls)
    for made in report.get("new_trace") or ():
        Path(made).unlink(missing_ok=True)
    return child, report


def measure_app(root: Path, scratch: Path, calls: int, latency: float, repeats: int) -> dict[str, Any]:
    app = root / "app.py"
    app.write_text(APP.format(words=WORDS))
    traces, reruns = root / "traces", root / "rerun"
    traces.mkdir()
    names = ["plain", "traced", "rerun"]
    runs: dict[str, list[tuple[float, int]]] = {}
    latest: Path | None = None
    trace_bytes = 0
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            if name == "rerun":
                progress(f"repeat {repeat + 1}/{repeats}: app, rerun of the latest traced run (no stub running)")
                child, _ = rerun(latest, calls, reruns, scratch)
            else:
                progress(f"repeat {repeat + 1}/{repeats}: app, {name} run, {calls} calls, "
                         f"{latency * 1e3:g} ms stub latency")
                child, trace = app_run(app, calls, latency, scratch, traces if name == "traced" else None)
                if trace is not None:
                    if latest is not None:
                        for path in traces.glob(latest.name.split(".", 1)[0] + ".*"):
                            path.unlink()
                    latest, trace_bytes = trace, trace.stat().st_size
            runs.setdefault(name, []).append((child.wall_s, child.peak_rss_bytes))
    lines = {name: {"median_s": statistics.median(w for w, _ in values), "min_s": min(w for w, _ in values),
                    "max_s": max(w for w, _ in values), "peak_rss_mb": round(max(r for _, r in values) / 1e6, 1),
                    "runs_s": [round(w, 4) for w, _ in values]} for name, values in runs.items()}
    return {"calls": calls, "latency_s": latency, "lines": lines, "trace_bytes": trace_bytes}


# ------------------------------------------------------------------------------ figures and output

def derive(result: dict[str, Any]) -> None:
    """Each line against its named alternative, all from the same run."""
    lines, ratios = result["calls"]["lines"], {}
    for sdk in SDKS:
        for mode in MODES:
            plain, plain_cpu = lines[f"{sdk}/plain/{mode}"]["median_ms"], lines[f"{sdk}/plain/{mode}"]["cpu_median_ms"]
            for kind in ("passthrough", "traced"):
                ms, cpu = lines[f"{sdk}/{kind}/{mode}"]["median_ms"], lines[f"{sdk}/{kind}/{mode}"]["cpu_median_ms"]
                ratios[f"{sdk}/{kind}/{mode}"] = {"added_ms": ms - plain, "over_plain": ms / plain,
                                                  "cpu_added_ms": cpu - plain_cpu, "cpu_over_plain": cpu / plain_cpu}
    result["calls"]["vs_plain"] = ratios
    app = result["app"]["lines"]
    n = result["app"]["calls"]
    result["app"]["ratios"] = {
        "traced_over_plain": app["traced"]["median_s"] / app["plain"]["median_s"],
        "traced_added_ms_per_call": (app["traced"]["median_s"] - app["plain"]["median_s"]) / n * 1e3,
        "rerun_over_traced": app["rerun"]["median_s"] / app["traced"]["median_s"],
        "rerun_saves_s": app["traced"]["median_s"] - app["rerun"]["median_s"],
        "trace_bytes_per_call": result["app"]["trace_bytes"] / n,
    }


def environment() -> dict[str, Any]:
    import namel3ss_debug  # noqa: PLC0415 - the parent only; its children decide for themselves
    from namel3ss_debug.tracer import scan  # noqa: PLC0415

    return {"python": platform.python_version(), "platform": platform.platform(),
            "namel3ss_debug": namel3ss_debug.__version__, "openai": metadata.version("openai"),
            "anthropic": metadata.version("anthropic"), "cpu_count": os.cpu_count(),
            "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "loadavg_end": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
            "c_prescan": scan.ACCELERATED, "rss_measured_by": "GNU time %M" if GNU_TIME else "os.wait4 ru_maxrss"}


LINE_LABELS = (("plain", "plain SDK call"), ("passthrough", "instrumented, no run"), ("traced", "traced (run active)"))
MODE_LABELS = {"create": "create()", "stream": "create(stream=True), read to the end"}


def render(result: dict[str, Any]) -> str:
    env, params, calls = result["environment"], result["params"], result["calls"]
    out = [f"SDK overhead: Python {env['python']}, openai {env['openai']}, anthropic {env['anthropic']}, "
           f"namel3ss-debug {env['namel3ss_debug']} (C pre-scan {'built' if env['c_prescan'] else 'NOT built'}), "
           f"{env['cpus_usable']} CPUs, load {env['loadavg_start']} at start, {env['loadavg_end']} at end; RSS by "
           f"{'GNU time %M' if GNU_TIME else 'os.wait4 (floor: this script)'}",
           f"per SDK call, sync, against the stub over HTTP: {params['calls']} calls a batch, median of "
           f"{params['repeats']} repeats (min-max); 50-word message, 51-word reply",
           f"{'line':<30} {'wall ms a call (min-max)':>25} {'added':>7} {'vs plain':>8} {'CPU ms':>7} "
           f"{'added':>7} {'vs plain':>8} {'bytes':>7}"]
    for sdk in SDKS:
        info = calls["sdks"][sdk]
        for mode in MODES:
            items = f", {info['stream_items']} items" if mode == "stream" else ""
            out.append(f"{sdk} {MODE_LABELS[mode]}{items}")
            for kind, label in LINE_LABELS:
                line = calls["lines"][f"{sdk}/{kind}/{mode}"]
                cell = f"{line['median_ms']:.3f} ({line['min_ms']:.3f}-{line['max_ms']:.3f})"
                if kind == "plain":
                    out.append(f"  {label:<28} {cell:>25} {'':>7} {'':>8} {line['cpu_median_ms']:>7.3f}")
                    continue
                vs = calls["vs_plain"][f"{sdk}/{kind}/{mode}"]
                written = f" {info['bytes_per_call'][mode]:>7,}" if kind == "traced" else ""
                out.append(f"  {label:<28} {cell:>25} {vs['added_ms']:>+7.3f} {vs['over_plain']:>7.2f}x "
                           f"{line['cpu_median_ms']:>7.3f} {vs['cpu_added_ms']:>+7.3f} {vs['cpu_over_plain']:>7.2f}x"
                           f"{written}")
    out.append("the run's own cost: traced - instrumented with no run in the same child, median of those differences:")
    for sdk in SDKS:
        added = calls["sdks"][sdk]["run_added_ms"]
        out.append(f"  {sdk:<10} " + "; ".join(f"{mode} {added[mode]['wall']:+.3f} ms wall, "
                                               f"{added[mode]['cpu']:+.3f} ms CPU" for mode in MODES))
    out.append("pass-through, the wrapper alone (no HTTP, no run): "
               + ", ".join(f"{sdk} +{calls['sdks'][sdk]['wrapper_ns_added']:.0f} ns" for sdk in SDKS)
               + " a call; a run's own events (run_start, run_end): "
               + ", ".join(f"{sdk} {calls['sdks'][sdk]['empty_run_bytes']:,} B" for sdk in SDKS))
    out.append("peak RSS of the child: " + "; ".join(
        f"{sdk} plain {calls['sdks'][sdk]['peak_rss_mb']['plain']:.0f} MB, instrumented and traced "
        f"{calls['sdks'][sdk]['peak_rss_mb']['instrumented']:.0f} MB" for sdk in SDKS))
    app, r = result["app"], result["app"]["ratios"]
    out += ["", f"whole app: {app['calls']} openai calls (every other one streamed), stub latency "
                f"{app['latency_s'] * 1e3:g} ms; each line a whole command, median of {params['repeats']} (min-max)",
            f"{'line':<52} {'wall (min-max)':>22} {'peak RSS':>9}"]
    for name, label in (("plain", "plain run (python app.py)"), ("traced", "traced run (namel3ss-debug trace -q)"),
                        ("rerun", "rerun (replay --rerun), no stub running")):
        line = app["lines"][name]
        wall = f"{line['median_s']:.3f} s ({line['min_s']:.2f}-{line['max_s']:.2f})"
        out.append(f"{label:<52} {wall:>22} {line['peak_rss_mb']:>6.0f} MB")
    out += [f"traced / plain run: {r['traced_over_plain']:.3f}x ({r['traced_added_ms_per_call']:+.2f} ms a call, "
            f"start-up included); trace {app['trace_bytes'] / 1e3:.0f} KB "
            f"({r['trace_bytes_per_call'] / 1e3:.1f} KB a call)",
            f"rerun / traced run: {r['rerun_over_traced']:.3f}x ({1 / r['rerun_over_traced']:.1f}x faster, "
            f"{r['rerun_saves_s']:.2f} s saved); every rerun reproduced: true, {app['calls']}/{app['calls']} calls "
            f"answered from the recording"]
    return "\n".join(out)


def clean_environment() -> None:
    """Default settings for every child: no NAMEL3SS_DEBUG_* variables (the cwd is set by the caller)."""
    for key in [key for key in os.environ if key.startswith("NAMEL3SS_DEBUG_")]:
        del os.environ[key]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats x 20 calls, a 6-call app")
    parser.add_argument("--calls", type=int, default=None, help="calls per batch (default 100; --quick 20)")
    parser.add_argument("--repeats", "--repeat", type=int, default=None, help=f"repeats (default {REPEATS}; --quick 2)")
    parser.add_argument("--app-calls", type=int, default=None, help="the app's openai calls (default 50; --quick 6)")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the app's stub waits (default 0.02)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where the temporary trace files go (default: the system temp dir)")
    args = parser.parse_args(argv)
    calls = args.calls if args.calls is not None else (20 if args.quick else 100)
    repeats = args.repeats if args.repeats is not None else (2 if args.quick else REPEATS)
    app_calls = args.app_calls if args.app_calls is not None else (6 if args.quick else 50)
    warmup = 3 if args.quick else 10
    if min(calls, repeats, app_calls) < 1 or args.latency < 0:
        parser.error("--calls, --repeats and --app-calls must be >= 1, --latency >= 0")
    clean_environment()
    load_start = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="n3d-bench-", dir=args.dir) as tmp:
        root = Path(tmp).resolve()
        scratch = root / "scratch"
        scratch.mkdir()
        os.chdir(scratch)  # no workspace file (.namel3ss/debug.json) above a temporary directory
        result: dict[str, Any] = {"schema": SCHEMA,
                                  "params": {"calls": calls, "repeats": repeats, "warmup": warmup,
                                             "app_calls": app_calls, "latency_s": args.latency}}
        result["calls"] = measure_calls(root, scratch, calls, warmup, repeats)
        result["app"] = measure_app(root, scratch, app_calls, args.latency, repeats)
        os.chdir(root.parent)
    result["environment"] = {**environment(), "loadavg_start": load_start}
    result["wall_s"] = round(time.perf_counter() - began, 1)
    derive(result)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
