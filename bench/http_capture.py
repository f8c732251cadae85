"""What recording LLM calls at the HTTP client adds to an openai call, against OpenTelemetry's httpx instrumentation.
And what pairing tools on the wire adds to it, against ours without that pairing.

    python bench/http_capture.py               # 11 repeats x 4 modes; a child: 200 calls, 60 streams, 200 tool results
                                               # (2-3 min)
    python bench/http_capture.py --quick       # 3 repeats; a child: 40 calls, 12 streams, 40 tool results (15-25 s)
    python bench/http_capture.py --repeats 15 --json      # JSON only on stdout
    python bench/http_capture.py --dir /dev/shm           # the trace files on tmpfs
    python bench/http_capture.py --wire whole             # the stub writes a stream in one send

Sync `openai` calls (the SDK sends through `httpx2`) to examples/llm_stub_server.py on 127.0.0.1, served
from a thread of this script, not of the process timed: `chat.completions.create(...)` (non-streamed),
`create(..., stream=True)` read to the end, a 99-word question echoed back, so a stream has 100
content chunks (and a role chunk, a finish chunk and `[DONE]`); and `tools`: a non-streamed `create`
whose conversation carries a tool's result, [user, assistant asking for `get_weather`, the tool's
result], for a call the stub asked for in an earlier request of the same child (made before the batch's
clock starts: only the request carrying the result is timed). By default the stub writes a stream one
server-sent event a send, chunked, as an API flushes each token (`--wire whole`: the example stub's
single send). Every reply is checked against the echo, in every mode alike.

Four modes, each a fresh interpreter (bench/http_capture_child.py), so no hook leaks between them:
* plain: no tracing; neither namel3ss_debug nor opentelemetry is imported;
* ours: a namel3ss-debug run (`configure(enabled=True, trace_output_dir=TMP)`, default settings,
  redaction on) whose transport hook makes an `llm` span a call, the response body kept as read, and a
  `tool` span of each tool result a request carries for a call the run saw asked for (the wire's pairing);
* ours-unpaired: the same with that pairing (`record_wire_tools`, as `transport/opening.py` calls it)
  replaced by a no-op before the first call: ours before the pairing, in the same run of the bench;
* otel: OpenTelemetry's `HTTPX2ClientInstrumentor` (opentelemetry-instrumentation-httpx instruments
  httpx2, the client openai uses), an SDK `TracerProvider`, a `BatchSpanProcessor` to an exporter that
  keeps the spans in memory: the peer.

Each repeat starts the four children afresh (in an order that rotates from one repeat to the next);
each makes its warm-up calls (not timed) and waits. Then they take turns: rounds of a batch of each kind
(the kinds' order alternating), each batch run by every mode in an order that rotates from one round to
the next, so a burst of other work on the machine falls on all modes alike; a child waits on its stdin
while the others run. At the end each child's tracer is flushed (timed: ours `tracer.flush()`, otel
`force_flush()`). A child's figure for a kind is its batches' time over their calls (the flush shared by
the calls, the writer's writes and garbage collections included); the line's figure is the median over
the repeats (min-max beside it); "added" is the median over the repeats of (mode - plain) within the same
repeat, and the targets are read on it; the pairing's cost is the median over the repeats of (ours -
ours-unpaired) within the same repeat, on `create` (a request with no tool result) and `tools`. Beside
them: each child's median call (blind to a stall, and to what a tracer does once in many calls) and the
child's CPU time (all threads) a call. The script stops if a child fails, makes more or fewer requests
than planned, or if what it recorded is not one completed span a request (ours: `llm_call_end` with the
reply's text and, for a stream, every frame; a `tool` span from the wire for each `tools` call, linked to
the request that asked, and none in ours-unpaired; otel: one exported span a request).
What each line measures: bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "examples"))
from analyze_throughput import GNU_TIME, progress  # noqa: E402 - beside this file, through the path above
from http_capture_child import KINDS  # noqa: E402 - as above
from llm_stub_server import StubServer  # noqa: E402 - in examples/, through the path above

SCHEMA = "namel3ss-debug/bench-http-capture/1"
MODES = ("plain", "ours", "ours-unpaired", "otel")
PEER_KINDS = ("create", "stream")  # the kinds of the targets against OpenTelemetry
PAIRED_KINDS = ("create", "tools")  # the non-streamed calls the pairing of tools on the wire is measured on
TARGETS = {  # name -> (figure, comparison, bound)
    "create_added_ms": ("ours: added ms a non-streamed call", "<=", 0.3),
    "stream_added_pct": ("ours: added % on a 100-chunk stream", "<=", 5.0),
    "create_over_peer": ("ours / OTel, added on a non-streamed call", "<", 1.0),
    "stream_over_peer": ("ours / OTel, added on a stream", "<", 1.0),
    "create_pairing_ms": ("pairing: added ms a call, no tool result", "spread holds", 0.0),  # not measurable
    "tools_pairing_ms": ("pairing: added ms a call with a tool result", "<=", 0.1),
}
FULL = {"repeats": 11, "rounds": 20, "create": 10, "stream": 3, "tools": 10, "warmup": 10}
QUICK = {"repeats": 3, "rounds": 4, "create": 10, "stream": 3, "tools": 10, "warmup": 5}
REQUESTS = {"create": 1, "stream": 1, "tools": 2}  # a tools call: the request that asks, then the timed one


class BenchStub(StubServer):
    """The example stub; with `wire="events"` a streamed answer goes out one server-sent event a send,
    with chunked transfer encoding, as an API sends each event when it is ready."""

    def __init__(self, wire: str = "events"):
        super().__init__()
        if wire == "whole":
            return
        base = self._server.RequestHandlerClass

        class Handler(base):  # type: ignore[misc, valid-type]
            def _send(self, status: int, content_type: str, data: bytes) -> None:
                if content_type != "text/event-stream":
                    return super()._send(status, content_type, data)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for event in data.split(b"\n\n")[:-1]:
                    piece = event + b"\n\n"
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")

        self._server.RequestHandlerClass = Handler


# ------------------------------------------------------------------------------ measuring

class LiveChild:
    """A child process of one mode, kept alive for a repeat and asked for one batch at a time."""

    def __init__(self, mode: str, spec: dict[str, Any], directory: Path):
        self.mode, self.directory = mode, directory
        self.rss_path, self.err_path = directory / "rss", directory / "stderr"
        argv = [sys.executable, str(BENCH / "http_capture_child.py"), json.dumps({**spec, "mode": mode,
                                                                                  "root": str(directory)})]
        if GNU_TIME:  # the child's own peak RSS then starts from GNU time's ~1 MB, not from this script's
            argv = [GNU_TIME, "-f", "%M", "-o", str(self.rss_path), *argv]
        with open(self.err_path, "wb") as err:
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        self.read()  # {"ready": true}: set up and warmed up

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        self.process.stdin.flush()
        return self.read()

    def read(self) -> dict[str, Any]:
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise SystemExit(f"FAILED (exit {self.process.returncode}): the {self.mode} child\n"
                             f"{self.err_path.read_text(errors='replace')[-3000:]}")
        return json.loads(line)

    def end(self) -> dict[str, Any]:
        final = self.ask({"end": True})
        self.process.stdin.close()
        if self.process.wait() != 0:
            raise SystemExit(f"FAILED (exit {self.process.returncode}): the {self.mode} child\n"
                             f"{self.err_path.read_text(errors='replace')[-3000:]}")
        return final

    def kill(self) -> None:
        """After a failure elsewhere: its stdin closed (the child then ends), the process (or GNU time) killed."""
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.kill()
            self.process.wait()


def rotated(items: tuple[str, ...], shift: int) -> tuple[str, ...]:
    shift %= len(items)
    return items[shift:] + items[:shift]


def measure(root: Path, plan: dict[str, int], wire: str) -> list[dict[str, Any]]:
    """Each repeat: a fresh child per mode, alive together; rounds of batches in turn, the modes' order
    rotating; then each child's flush and its check. One record per child."""
    stub = BenchStub(wire).start()
    spec = {"url": stub.url, "warmup": plan["warmup"]}
    expected = len(MODES) * (sum(REQUESTS.values()) * plan["warmup"] + 1
                             + plan["rounds"] * sum(plan[kind] * REQUESTS[kind] for kind in KINDS))
    results: list[dict[str, Any]] = []
    try:
        for repeat in range(plan["repeats"]):
            progress(f"repeat {repeat + 1}/{plan['repeats']}: {plan['rounds']} rounds of {plan['create']} calls, "
                     f"{plan['stream']} streams and {plan['tools']} tool results a mode")
            results += measure_repeat(root, spec, plan, repeat)
            if len(stub.requests) != expected:
                raise SystemExit(f"FAILED: the children made {len(stub.requests)} requests, expected {expected}")
            del stub.requests[:], stub.seen_keys[:], stub.hits[:], stub.answers[:]
    finally:
        stub.stop()
    return results


def measure_repeat(root: Path, spec: dict[str, Any], plan: dict[str, int], repeat: int) -> list[dict[str, Any]]:
    children: dict[str, LiveChild] = {}
    try:
        for mode in rotated(MODES, repeat):
            children[mode] = LiveChild(mode, spec, Path(tempfile.mkdtemp(prefix=f"{mode}-", dir=root)))
        batches: dict[str, dict[str, list[Any]]] = {mode: {kind: [] for kind in KINDS} for mode in MODES}
        for round_ in range(plan["rounds"]):
            for kind in KINDS if round_ % 2 == 0 else KINDS[::-1]:
                for mode in rotated(MODES, repeat + round_):
                    batches[mode][kind].append(children[mode].ask({"kind": kind, "calls": plan[kind]}))
        out = []
        for mode in MODES:
            flush = children[mode].ask({"flush": True})
            out.append({**children[mode].end(), "repeat": repeat, "batches": batches[mode], "flush": flush})
        return out
    finally:
        for child in children.values():
            child.kill()
            remove_tree(child.directory)


def remove_tree(directory: Path) -> None:
    for path in sorted(directory.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    directory.rmdir()


# ------------------------------------------------------------------------------ figures

def child_figures(result: dict[str, Any], kind: str) -> dict[str, float]:
    """One child's ms a call for `kind`: its batches over their calls (with the final flush, shared between
    the kinds by their calls), its median call, and its CPU time the same way as the first."""
    batches = result["batches"][kind]
    calls = sum(len(batch["calls_ns"]) for batch in batches)
    share = calls / sum(len(b["calls_ns"]) for k in KINDS for b in result["batches"][k])
    wall = sum(batch["wall_ns"] for batch in batches) + share * result["flush"]["wall_ns"]
    cpu = sum(batch["cpu_ns"] for batch in batches) + share * result["flush"]["cpu_ns"]
    return {"mean": wall / calls / 1e6, "median": statistics.median(ns for b in batches for ns in b["calls_ns"]) / 1e6,
            "cpu": cpu / calls / 1e6}


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    by_repeat: dict[int, dict[str, dict[str, Any]]] = {}
    for result in results:
        by_repeat.setdefault(result["repeat"], {})[result["mode"]] = result
    lines: dict[str, Any] = {}
    for kind in KINDS:
        plain = [child_figures(r["plain"], kind) for r in by_repeat.values()]
        for mode in MODES:
            per_repeat = [child_figures(r[mode], kind) for r in by_repeat.values()]
            line: dict[str, Any] = {}
            for figure in ("mean", "median", "cpu"):
                values = [f[figure] for f in per_repeat]
                line[figure] = {"ms": statistics.median(values), "min": min(values), "max": max(values),
                                "runs": [round(v, 4) for v in values]}
                if mode != "plain":  # paired: each child against the plain child of its own repeat
                    pairs = zip(per_repeat, plain)
                    line[figure]["added_ms"] = statistics.median(f[figure] - p[figure] for f, p in pairs)
            lines[f"{mode}/{kind}"] = line
    return {
        "lines": lines,
        "pairing": {kind: pairing(list(by_repeat.values()), kind) for kind in PAIRED_KINDS},
        "bytes_per_call": bytes_per_call(results, "ours"),
        "unpaired_bytes_per_call": bytes_per_call(results, "ours-unpaired"),
        "peak_rss_mb": {mode: round(max(r["peak_rss_bytes"] for r in results if r["mode"] == mode) / 1e6, 1)
                        for mode in MODES},
        "stream_reads": statistics.median(r["stream_reads"] for r in results),
    }


def pairing(repeats: list[dict[str, dict[str, Any]]], kind: str) -> dict[str, Any]:
    """What pairing tools on the wire costs a call of `kind`: ours minus ours-unpaired in the same repeat, for
    each figure; the median over the repeats, min-max, the share of ours-unpaired's figure, and in how many
    repeats ours was the slower."""
    out: dict[str, Any] = {}
    for figure in ("mean", "median", "cpu"):
        pairs = [(child_figures(r["ours"], kind)[figure], child_figures(r["ours-unpaired"], kind)[figure])
                 for r in repeats]
        added = [ours - unpaired for ours, unpaired in pairs]
        out[figure] = {"added_ms": statistics.median(added), "min": min(added), "max": max(added),
                       "pct": 100 * statistics.median(added) / statistics.median(u for _, u in pairs),
                       "slower": sum(value > 0 for value in added), "runs": [round(v, 4) for v in added]}
    return out


def bytes_per_call(results: list[dict[str, Any]], mode: str) -> dict[str, int]:
    """The trace bytes a call of each kind wrote, the median over the repeats."""
    recorded = [r["recorded"]["bytes_per_call"] for r in results if r["mode"] == mode]
    return {kind: round(statistics.median(r[kind] for r in recorded)) for kind in KINDS}


def targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The targets, on the batch-mean figures (every call, the flush and what the tracer does now and then)."""
    lines = summary["lines"]
    added = {(mode, kind): lines[f"{mode}/{kind}"]["mean"]["added_ms"] for mode in ("ours", "otel")
             for kind in PEER_KINDS}
    percent = 100 * added["ours", "stream"] / lines["plain/stream"]["mean"]["ms"]
    out = [_target("create_added_ms", added["ours", "create"]), _target("stream_added_pct", percent)]
    for kind in PEER_KINDS:  # below the peer: ours added less; the ratio is shown when the peer added anything
        ours, peer = added["ours", kind], added["otel", kind]
        out.append(_target(f"{kind}_over_peer", ours / peer if peer > 0 else None, passed=ours < peer))
    cost = summary["pairing"]
    create = cost["create"]["mean"]  # no measurable time: 0 lies within what the repeats measured, ours - unpaired
    return [*out, _target("create_pairing_ms", create["added_ms"], passed=create["min"] <= 0 <= create["max"]),
            _target("tools_pairing_ms", cost["tools"]["mean"]["added_ms"])]


def _target(name: str, value: float | None, passed: bool | None = None) -> dict[str, Any]:
    label, op, bound = TARGETS[name]
    if passed is None:
        passed = value <= bound if op == "<=" else value < bound
    return {"name": name, "label": label, "value": value, "comparison": op, "bound": bound, "passed": passed}


def environment(load_start: float | None) -> dict[str, Any]:
    from namel3ss_debug.redaction import scan  # noqa: PLC0415 - the parent only; the children decide for themselves

    return {"python": platform.python_version(), "platform": platform.platform(),
            "namel3ss_debug": metadata.version("namel3ss-debug"), "openai": metadata.version("openai"),
            "httpx2": metadata.version("httpx2"), "opentelemetry_sdk": metadata.version("opentelemetry-sdk"),
            "otel_httpx": metadata.version("opentelemetry-instrumentation-httpx"), "c_prescan": scan.ACCELERATED,
            "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "loadavg_start": load_start, "loadavg_end": _loadavg(),
            "rss_measured_by": "GNU time %M" if GNU_TIME else "os.wait4 ru_maxrss (floor: this script)"}


def _loadavg() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


# ------------------------------------------------------------------------------ output

LABELS = {"plain": "plain (no tracing)", "ours": "ours (namel3ss-debug run)",
          "ours-unpaired": "ours-unpaired (no pairing)", "otel": "OTel httpx2 instrumentation"}
KIND_LABELS = {"create": "create(), not streamed: 100-word answer",
               "stream": "create(stream=True), read to the end: 100 content chunks",
               "tools": "tools: create() carrying a tool's result, not streamed: 105-word answer"}
FIGURE_LABELS = {"mean": "ms a call", "median": "median call", "cpu": "CPU"}


def render(result: dict[str, Any]) -> str:
    env, plan, summary = result["environment"], result["params"], result["summary"]
    out = [f"HTTP capture: Python {env['python']}, openai {env['openai']} (httpx2 {env['httpx2']}), namel3ss-debug "
           f"{env['namel3ss_debug']} (C pre-scan {'built' if env['c_prescan'] else 'NOT built'}), opentelemetry-sdk "
           f"{env['opentelemetry_sdk']}, instrumentation-httpx {env['otel_httpx']}; {env['cpus_usable']} CPUs, "
           f"load {env['loadavg_start']} at start, {env['loadavg_end']} at end; {result['wall_s']:.0f} s",
           f"sync openai calls to the stub on 127.0.0.1 ({plan['wire']} wire: a stream came in "
           f"{summary['stream_reads']:g} reads); a fresh process per mode and repeat, {plan['repeats']} repeats; "
           f"a child: {plan['warmup']} warm-up calls of each kind, then {plan['rounds']} rounds of "
           f"{plan['create']} calls, {plan['stream']} streams and {plan['tools']} tool results (each after an "
           "untimed request that asks for the tool)",
           "ms a call: the median over the repeats (min-max) of each child's batches (flush included) / calls; "
           "added: the median over the repeats of (mode - plain) in the same repeat; median call: each child's "
           "median call; CPU: the child's, all threads; bytes: trace bytes a call; RSS: the child's peak",
           f"{'line':<29} {'ms a call (min-max)':>25} {'added':>7} {'added %':>8} {'median':>7} {'added':>7} "
           f"{'CPU':>7} {'added':>7} {'bytes':>7} {'RSS':>6}"]
    for kind in KINDS:
        out.append(KIND_LABELS[kind])
        for mode in MODES:
            out.append(_line(summary, mode, kind))
        ours, otel = (summary["lines"][f"{mode}/{kind}"] for mode in ("ours", "otel"))
        ratios = [f"{name} {ours[key]['added_ms'] / otel[key]['added_ms']:.2f}x" if otel[key]["added_ms"] > 0
                  else f"{name} n/a (OTel {otel[key]['added_ms']:+.3f} ms)"
                  for name, key in (("ms a call", "mean"), ("median call", "median"), ("CPU", "cpu"))]
        out.append("  ours / OTel, added: " + ", ".join(ratios))
    out += ["", "pairing tools on the wire: ours - ours-unpaired in the same repeat, the median over the repeats "
                "(min-max); % of ours-unpaired; in how many repeats ours was the slower"]
    for kind in PAIRED_KINDS:
        out.append(KIND_LABELS[kind])
        for figure, label in FIGURE_LABELS.items():
            cost = summary["pairing"][kind][figure]
            spread = f"({cost['min']:+.3f} to {cost['max']:+.3f})"
            out.append(f"  {label:<27} {cost['added_ms']:>+7.3f} ms {spread:>20} {cost['pct']:>+7.2f}%   "
                       f"{cost['slower']} of {plan['repeats']}")
    out.append("")
    for t in result["targets"]:
        verdict = "PASS" if t["passed"] else "MISS"
        value = "n/a" if t["value"] is None else f"{t['value']:.3f}"
        out.append(f"{t['label']:<44} {value:>8}   {verdict} (target {t['comparison']} {t['bound']:g})")
    return "\n".join(out)


def _line(summary: dict[str, Any], mode: str, kind: str) -> str:
    line = summary["lines"][f"{mode}/{kind}"]
    mean, median, cpu = line["mean"], line["median"], line["cpu"]
    cell = f"{mean['ms']:.3f} ({mean['min']:.3f}-{mean['max']:.3f})"
    written = {"ours": f"{summary['bytes_per_call'][kind]:,}",
               "ours-unpaired": f"{summary['unpaired_bytes_per_call'][kind]:,}"}.get(mode, "-")
    rss = f"{summary['peak_rss_mb'][mode]:.0f} MB"
    if mode == "plain":
        return (f"  {LABELS[mode]:<27} {cell:>25} {'':>7} {'':>8} {median['ms']:>7.3f} {'':>7} {cpu['ms']:>7.3f} "
                f"{'':>7} {written:>7} {rss:>6}")
    pct = 100 * mean["added_ms"] / summary["lines"][f"plain/{kind}"]["mean"]["ms"]
    return (f"  {LABELS[mode]:<27} {cell:>25} {mean['added_ms']:>+7.3f} {pct:>+7.1f}% {median['ms']:>7.3f} "
            f"{median['added_ms']:>+7.3f} {cpu['ms']:>7.3f} {cpu['added_ms']:>+7.3f} {written:>7} {rss:>6}")


def clean_environment() -> None:
    """Default settings in every child: no NAMEL3SS_DEBUG_* or OTEL_* variables (the cwd is set by the caller)."""
    for key in [key for key in os.environ if key.startswith(("NAMEL3SS_DEBUG_", "OTEL_"))]:
        del os.environ[key]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 repeats, 40 calls, 12 streams and 40 tool results a child")
    parser.add_argument("--repeats", type=int, default=None, help=f"repeats (default {FULL['repeats']})")
    parser.add_argument("--rounds", type=int, default=None,
                        help=f"rounds of batches a repeat (default {FULL['rounds']}, with --quick {QUICK['rounds']})")
    parser.add_argument("--wire", choices=("events", "whole"), default="events",
                        help="a stream sent one event a send (default), or in one send")
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    parser.add_argument("--dir", type=Path, default=None, help="where the trace files go (default: the temp dir)")
    args = parser.parse_args(argv)
    plan = dict(QUICK if args.quick else FULL)
    if args.repeats is not None:
        if args.repeats < 1:
            parser.error("--repeats must be >= 1")
        plan["repeats"] = args.repeats
    if args.rounds is not None:
        if args.rounds < 1:
            parser.error("--rounds must be >= 1")
        plan["rounds"] = args.rounds
    clean_environment()
    load_start = _loadavg()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="n3d-http-capture-", dir=args.dir) as tmp:
        root = Path(tmp).resolve()
        scratch = root / "scratch"
        scratch.mkdir()
        os.chdir(scratch)  # no workspace file (.namel3ss/debug.json) above a temporary directory
        results = measure(root, plan, args.wire)
        os.chdir(root.parent)
    summary = summarize(results)
    result = {"schema": SCHEMA, "params": {**plan, "wire": args.wire}, "summary": summary,
              "targets": targets(summary), "environment": environment(load_start),
              "wall_s": round(time.perf_counter() - began, 1)}
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
