"""What each framework hook adds to one tool call, against the same calls untraced.

    python bench/framework_tools.py              # 5 repeats x 2 modes, 300 calls a child: about 1 min
    python bench/framework_tools.py --quick      # 2 repeats, 60 calls a child
    python bench/framework_tools.py --only mcp --json

For each module of bench/framework_tools/ (openai-agents, LangChain, pydantic-ai, MCP, OpenTelemetry
in), `make()` builds a tool and returns a function that makes ONE tool call through the framework's
own tool-invoking path, with no LLM and no network: what the framework's runner does once the model
has asked for the tool. Two modes, each a fresh interpreter, started in turn (the order alternating
from one repeat to the next) so a burst of other work on the machine falls on both alike:
* plain: no tracing; namel3ss_debug is not imported;
* traced: a namel3ss-debug run (`configure(enabled=True, trace_output_dir=TMP)`, default settings,
  redaction on) started before the framework is imported, so its hook is installed as under `trace`.
A child makes 20 warm-up calls (not timed), then its calls in batches of 20, and reports its median
batch's time a call. The line's figure is the median over the repeats; "added" is traced - plain,
the ratio traced / plain. A traced child checks that its trace holds one `tool_call_end` a call (the
warm-up's included), or the script stops.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent / "framework_tools"
WARMUP, BATCH = 20, 20


def _load(name: str) -> Callable[[], Callable[[], Any]]:
    spec = importlib.util.spec_from_file_location(f"bench_tool_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make


def child(name: str, mode: str, calls: int) -> dict[str, Any]:
    directory = None
    if mode == "traced":
        from namel3ss_debug import configure, get_tracer  # noqa: PLC0415 - the plain mode must not import it

        directory = Path(tempfile.mkdtemp(prefix="bench-tools-"))
        configure(enabled=True, trace_output_dir=str(directory))
    one_call = _load(name)()
    for _ in range(WARMUP):
        one_call()
    batches = []
    for _ in range(max(1, calls // BATCH)):
        start = time.perf_counter_ns()
        for _ in range(BATCH):
            one_call()
        batches.append((time.perf_counter_ns() - start) / BATCH)
    result = {"us_per_call": statistics.median(batches) / 1000}
    if directory is not None:
        get_tracer().end_run()
        ends = sum(line.count(b'"tool_call_end"') for path in directory.rglob("*.jsonl")
                   for line in path.read_bytes().splitlines())
        expected = WARMUP + BATCH * max(1, calls // BATCH)
        if ends != expected:
            raise SystemExit(f"{name}: the trace holds {ends} tool_call_end events for {expected} calls")
        result["tool_spans"] = ends
    return result


def run_child(name: str, mode: str, calls: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", name, "--mode", mode, "--calls", str(calls)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{name} {mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats, 60 calls a child")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--calls", type=int, default=None)
    parser.add_argument("--only", action="append", help="one framework module (repeatable)")
    parser.add_argument("--json", action="store_true", help="the figures as JSON on stdout")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--mode", help=argparse.SUPPRESS)
    args = parser.parse_args()
    calls = args.calls or (60 if args.quick else 300)
    if args.child:
        print(json.dumps(child(args.child, args.mode, calls)))
        return
    repeats = args.repeats or (2 if args.quick else 5)
    names = args.only or sorted(path.stem for path in HERE.glob("*.py"))
    figures = {}
    for name in names:
        times: dict[str, list[float]] = {"plain": [], "traced": []}
        added = []
        for repeat in range(repeats):
            modes = ("plain", "traced") if repeat % 2 == 0 else ("traced", "plain")
            got = {mode: run_child(name, mode, calls)["us_per_call"] for mode in modes}
            for mode, value in got.items():
                times[mode].append(value)
            added.append(got["traced"] - got["plain"])
        plain, traced = statistics.median(times["plain"]), statistics.median(times["traced"])
        figures[name] = {"plain_us": round(plain, 1), "traced_us": round(traced, 1),
                         "added_us": round(statistics.median(added), 1), "ratio": round(traced / plain, 2),
                         "repeats": repeats, "calls": calls}
        if not args.json:
            print(f"{name:14} plain {plain:9.1f} us/call   traced {traced:9.1f} us/call   "
                  f"added {figures[name]['added_us']:8.1f} us   x{figures[name]['ratio']:.2f}", flush=True)
    if args.json:
        print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
