"""Analyze throughput: `namel3ss-debug analyze` on a 1 GiB trace against jq and DuckDB, and `inspect --event`.

    python bench/analyze_throughput.py                 # 1 GiB trace, 3 repeats (several minutes: jq is slow)
    python bench/analyze_throughput.py --quick         # 0.1 GiB
    python bench/analyze_throughput.py --dir /data --keep --json

One run generates the trace (bench/trace_gen.py, its totals counted while writing), then times each
reader as a whole subprocess on the same file: wall time, and peak RSS from `os.wait4`. Repeats rotate
the order of the readers. Each reader's answer is checked against the generator's totals. Then, with the
index built by `analyze`, `inspect --event N` near the end of the trace is timed as a whole command.
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
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trace_gen import GENERATOR_VERSION, Totals, generate
from answer_checks import check_duckdb, check_inspect, check_jq, check_ours

SCHEMA = "namel3ss-debug/bench-analyze-throughput/1"
GIB = 1024 ** 3
MB = 1_000_000  # MB/s and RSS are both in 10^6 bytes
REPEATS = 3
INSPECT_REPEATS = 7
TARGETS = {  # name -> (comparison, bound)
    "ours_mb_s": (">=", 500.0),
    "jq_over_ours": (">=", 10.0),
    "ours_over_duckdb": ("<=", 5.0),  # aim 3.5x (bench/read_speed.py says whether it is met)
    "ours_peak_rss_mb": ("<=", 200.0),
    "inspect_ms": ("<=", 150.0),
}

# The same figures as the generator's totals: events by type, failed end events, error_occurred
# events, and calls, tokens and cost by model. Quantiles are left out: jq would have to keep every duration.
JQ_PROGRAM = """
reduce inputs as $e ({events: 0, by_type: {}, failed: 0, errors: 0, by_model: {}};
  .events += 1
  | .by_type[$e.event_type] += 1
  | if $e.status == "failed" and ($e.event_type | endswith("_end")) then .failed += 1 else . end
  | if $e.event_type == "error_occurred" then .errors += 1 else . end
  | if $e.usage then
      .by_model[$e.model // "unknown"] |= (.calls += 1
        | .input_tokens += ($e.usage.input_tokens // 0)
        | .output_tokens += ($e.usage.output_tokens // 0)
        | .total_tokens += ($e.usage.total_tokens // 0)
        | .cost_usd += ($e.cost_usd // 0))
    else . end)
"""

# One scan of the file: `columns` declares only the fields the query reads (other keys, such as the
# free-form inputs and outputs, are skipped), and GROUPING SETS compute the three groupings in one pass.
DUCKDB_SCRIPT = r"""
import json, sys, duckdb
con = duckdb.connect()
threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
rows = con.execute('''
SELECT grouping(event_type, component, name, model) AS g, event_type, component, name, model,
       count(*) AS n,
       count(*) FILTER (WHERE ends_with(event_type, '_end')) AS ends,
       count(*) FILTER (WHERE ends_with(event_type, '_end') AND status = 'failed') AS failed,
       quantile_cont(duration_ms, [0.5, 0.9, 0.95, 0.99]) FILTER (WHERE ends_with(event_type, '_end')) AS q,
       max(duration_ms) AS max_ms,
       count(usage) AS calls, sum(usage.input_tokens) AS input_tokens, sum(usage.output_tokens) AS output_tokens,
       sum(usage.total_tokens) AS total_tokens, sum(cost_usd) AS cost_usd
FROM read_ndjson(?, columns = {event_type: 'VARCHAR', component: 'VARCHAR', name: 'VARCHAR', status: 'VARCHAR',
     duration_ms: 'DOUBLE', model: 'VARCHAR', cost_usd: 'DOUBLE',
     usage: 'STRUCT(input_tokens BIGINT, output_tokens BIGINT, total_tokens BIGINT)'})
GROUP BY GROUPING SETS ((event_type), (component, name), (model))
''', [sys.argv[1]]).fetchall()
out = {"threads": threads, "version": duckdb.__version__, "by_type": {}, "operations": {}, "by_model": {}}
for g, event_type, component, name, model, n, ends, failed, q, max_ms, calls, i, o, t, cost in rows:
    if g == 0b0111:
        out["by_type"][event_type] = n
    elif g == 0b1001 and ends:
        out["operations"][component + "/" + name] = {"count": ends, "failed": failed, "p50": q[0], "p90": q[1],
                                                     "p95": q[2], "p99": q[3], "max_ms": max_ms}
    elif g == 0b1110 and model is not None and calls:
        out["by_model"][model] = {"calls": calls, "input_tokens": i, "output_tokens": o, "total_tokens": t,
                                  "cost_usd": cost or 0.0}
print(json.dumps(out))
"""


# ------------------------------------------------------------------------------ running a child

@dataclass
class Child:
    """One finished subprocess: wall time, peak RSS, exit code, output, and the CPU time it and its children used."""

    wall_s: float
    peak_rss_bytes: int
    returncode: int
    stdout: bytes
    stderr: str
    cpu_s: float = 0.0  # user + system: on a loaded machine it moves less than the wall time


def gnu_time() -> str | None:
    """GNU time's path, if installed: the peak RSS it reports starts from its own ~1 MB, not from ours."""
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    probe = subprocess.run([path, "--version"], capture_output=True, text=True)
    return path if "GNU" in probe.stdout + probe.stderr else None


GNU_TIME = gnu_time()


def run_child(argv: list[str], scratch: Path, discard_stdout: bool = False, rss: bool = True) -> Child:
    """Run `argv` to completion, stdout and stderr to files; wall time around the whole command.

    Peak RSS is the child's `ru_maxrss` as the kernel keeps it for a reaped process: its own peak and that
    of the descendants it reaped. Linux carries the high-water mark of the process that spawned it across
    `exec`, so measured from here it could never be below this script's own RSS (40+ MB); GNU time, which
    forks from a ~1 MB process and reads `wait4` itself, is used when installed (else `os.wait4` here).
    `rss=False` runs the command bare, for latencies where even GNU time's fork (about 1 ms) would show.
    """
    out_path = Path(os.devnull) if discard_stdout else scratch / "child.out"
    err_path, rss_path = scratch / "child.err", scratch / "child.rss"
    wrapped = [GNU_TIME, "-f", "%M", "-o", str(rss_path), *argv] if GNU_TIME and rss else argv
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        began = time.perf_counter()
        try:
            child = subprocess.Popen(wrapped, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        except OSError as error:  # not installed
            return Child(0.0, 0, 127, b"", str(error))
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen, so it does not wait again
    rss_kib = _time_rss_kib(rss_path) if wrapped is not argv else usage.ru_maxrss
    return Child(wall, rss_kib * 1024, child.returncode, b"" if discard_stdout else out_path.read_bytes(),
                 err_path.read_text(errors="replace"), usage.ru_utime + usage.ru_stime)


def _time_rss_kib(path: Path) -> int:
    """GNU time's `%M` (KiB), the last line of its output file (after any "Command exited..." line)."""
    words = path.read_text().split() if path.exists() else []
    return int(words[-1]) if words and words[-1].isdigit() else 0


def ours_command() -> list[str]:
    """The installed console script beside this interpreter, else `python -m namel3ss_debug`."""
    script = Path(sys.executable).with_name("namel3ss-debug")
    return [str(script)] if script.exists() else [sys.executable, "-m", "namel3ss_debug"]


def tool_commands(trace: Path) -> dict[str, list[str]]:
    """The readers, each a whole command over the trace file."""
    commands = {
        "floor": ["cat", str(trace)],  # reading the bytes once (to /dev/null): the least any reader does
        "ours": [*ours_command(), "analyze", "--format", "json", str(trace)],
        "jq": ["jq", "-c", "-n", JQ_PROGRAM, str(trace)],
    }
    if has_duckdb():
        commands["duckdb"] = [sys.executable, "-c", DUCKDB_SCRIPT, str(trace)]
    else:
        progress("  duckdb: not installed, not measured (pip install -e '.[bench]')")
    return commands


def has_duckdb() -> bool:
    """Whether DuckDB (the bench extra) imports here."""
    try:
        import duckdb  # noqa: F401, PLC0415 - optional (the bench extra): only whether it imports
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------------------ checks against the totals

def prepare_trace(directory: Path, size_bytes: int, keep: bool) -> tuple[Path, Totals]:
    """Generate the trace, or reuse one kept by an earlier `--keep` run with the same size and generator."""
    trace = directory / f"analyze-throughput-{size_bytes}-g{GENERATOR_VERSION}.jsonl"
    sidecar = trace.with_suffix(".totals.json")
    if keep and trace.exists() and sidecar.exists():
        totals = Totals.from_dict(json.loads(sidecar.read_text()))
        if totals.bytes == trace.stat().st_size:
            progress(f"reusing {trace} ({totals.bytes / MB:,.0f} MB, {totals.events:,} events)")
            return trace, totals
    progress(f"generating {trace} ({size_bytes / GIB:.2f} GiB)...")
    totals = generate(trace, size_bytes)
    progress(f"  {totals.bytes / MB:,.0f} MB, {totals.events:,} events in {totals.seconds:.1f} s")
    if keep:
        sidecar.write_text(json.dumps(totals.to_dict()))
    return trace, totals


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def time_readers(trace: Path, totals: Totals, repeats: int, scratch: Path) -> dict[str, Any]:
    """Each reader `repeats` times, in a rotating order; a reader that fails is reported and not run again."""
    commands = tool_commands(trace)
    names = list(commands)
    runs: dict[str, list[Child]] = {name: [] for name in names}
    failed: dict[str, str] = {}
    checks: dict[str, Any] = {}
    for repeat in range(repeats):
        turn = repeat % len(names)
        for name in names[turn:] + names[:turn]:
            if name in failed:
                continue
            child = run_child(commands[name], scratch, discard_stdout=name == "floor")
            if child.returncode != 0:
                failed[name] = {"exit": child.returncode, "stderr": child.stderr.strip()[-2000:]}
                progress(f"  {name} FAILED, exit {child.returncode}:\n{failed[name]['stderr']}")
                continue
            runs[name].append(child)
            if name not in checks:
                checks[name] = check_output(name, child.stdout, totals)
            progress(f"  repeat {repeat + 1}/{repeats}: {name} {child.wall_s:.2f} s, "
                     f"{child.peak_rss_bytes / MB:.0f} MB peak RSS")
    return {"runs": runs, "failed": failed, "checks": checks}


def check_output(name: str, stdout: bytes, totals: Totals) -> Any:
    """The check for one reader's answer: a list of mismatches, or analyze's `checked` record."""
    if name == "floor":
        return {"status": "n/a", "wrong": []}
    try:
        doc = json.loads(stdout)
    except ValueError as error:
        return {"status": "mismatch", "wrong": [f"output is not JSON: {error}"]}
    if name == "ours":
        return check_ours(doc, totals)
    wrong = check_jq(doc, totals) if name == "jq" else check_duckdb(doc, totals)
    extra = {"threads": doc.get("threads"), "version": doc.get("version")} if name == "duckdb" else {}
    return {"status": "mismatch" if wrong else "checked", "wrong": wrong, **extra}


def time_inspect(trace: Path, totals: Totals, repeats: int, scratch: Path) -> dict[str, Any]:
    """`inspect TRACE --event N --format json` for N near the end, once untimed (index), then timed."""
    seq = max(0, totals.last_seq - 10)
    argv = [*ours_command(), "inspect", str(trace), "--event", str(seq), "--format", "json"]
    first = run_child(argv, scratch, rss=False)
    if first.returncode != 0:
        progress(f"  inspect FAILED, exit {first.returncode}:\n{first.stderr.strip()[-2000:]}")
        return {"event": seq, "failed": {"exit": first.returncode, "stderr": first.stderr.strip()[-2000:]}}
    try:
        check = check_inspect(json.loads(first.stdout), seq)
    except ValueError:
        check = "mismatch"
    walls = [run_child(argv, scratch, rss=False).wall_s for _ in range(repeats)]
    startup = [run_child([*ours_command(), "--version"], scratch, rss=False).wall_s for _ in range(repeats)]
    progress(f"  inspect --event {seq}: {statistics.median(walls) * 1000:.0f} ms")
    return {"event": seq, "first_ms": round(first.wall_s * 1000, 1), "check": check,
            "runs_ms": [round(w * 1000, 1) for w in walls], "median_ms": round(statistics.median(walls) * 1000, 1),
            "startup_median_ms": round(statistics.median(startup) * 1000, 1)}


def summarize(raw: dict[str, Any], inspect: dict[str, Any], totals: Totals, params: dict[str, Any]) -> dict[str, Any]:
    """The one record both views (table, JSON) are printed from."""
    measures = {name: _measure(children, totals.bytes) for name, children in raw["runs"].items() if children}
    ratios: dict[str, float] = {}
    if "ours" in measures:
        ours = measures["ours"]["median_s"]
        for m in measures.values():
            m["over_ours"] = round(m["median_s"] / ours, 2)
        ratios = {"ours_mb_s": measures["ours"]["mb_s"], "ours_peak_rss_mb": measures["ours"]["peak_rss_mb"]}
        if "jq" in measures:
            ratios["jq_over_ours"] = measures["jq"]["median_s"] / ours
        if "duckdb" in measures:
            ratios["ours_over_duckdb"] = ours / measures["duckdb"]["median_s"]
    if "median_ms" in inspect:
        ratios["inspect_ms"] = inspect["median_ms"]
    targets = [{"name": name, "value": round(ratios[name], 2) if name in ratios else None, "comparison": op,
                "bound": bound, "passed": _passes(ratios.get(name), op, bound)}
               for name, (op, bound) in TARGETS.items()]
    return {"schema": SCHEMA, "environment": environment(raw), "params": params,
            "trace": {k: v for k, v in totals.to_dict().items() if k != "by_operation"},
            "measures": measures, "failed": raw["failed"], "checks": raw["checks"], "inspect": inspect,
            "ratios": {k: round(v, 2) for k, v in ratios.items()}, "targets": targets}


def _measure(children: list[Child], size: int) -> dict[str, Any]:
    walls = [c.wall_s for c in children]
    median = statistics.median(walls)
    return {"median_s": round(median, 3), "min_s": round(min(walls), 3), "max_s": round(max(walls), 3),
            "runs_s": [round(w, 3) for w in walls], "mb_s": round(size / MB / median, 1),
            "peak_rss_mb": round(max(c.peak_rss_bytes for c in children) / MB, 1)}


def _passes(value: float | None, op: str, bound: float) -> bool | None:
    if value is None:
        return None
    return value <= bound if op == "<=" else value >= bound


def environment(raw: dict[str, Any]) -> dict[str, Any]:
    """Versions and CPUs: DuckDB's thread count is the one its child reported."""
    jq = subprocess.run(["jq", "--version"], capture_output=True, text=True).stdout.strip()
    return {"python": platform.python_version(), "platform": platform.platform(), "jq": jq,
            "duckdb": raw["checks"].get("duckdb", {}).get("version"),
            "duckdb_threads": raw["checks"].get("duckdb", {}).get("threads"),
            "namel3ss_debug": _version("namel3ss-debug"), "cpu_count": os.cpu_count(),
            "rss_measured_by": "GNU time %M" if GNU_TIME else "os.wait4 ru_maxrss (floor: this script's RSS)",
            "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "loadavg": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None}


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


# ------------------------------------------------------------------------------ output

LABELS = (
    ("floor", "cat > /dev/null (reading the bytes)"),
    ("ours", "namel3ss-debug analyze --format json"),
    ("jq", "jq reduce: counts, failures, tokens"),
    ("duckdb", "DuckDB read_ndjson, GROUP BY, quantiles"),
)


def render_table(result: dict[str, Any]) -> str:
    env, trace, params = result["environment"], result["trace"], result["params"]
    lines = [
        f"Python {env['python']} on {env['platform']}; {env['jq']}, DuckDB {env['duckdb']} "
        f"({env['duckdb_threads']} threads), namel3ss-debug {env['namel3ss_debug']}; "
        f"CPUs {env['cpu_count']} (usable {env['cpus_usable']}), load average {env['loadavg']}",
        f"trace {trace['bytes'] / MB:,.0f} MB ({trace['bytes'] / GIB:.2f} GiB), {trace['events']:,} events, "
        f"{trace['requests']:,} requests, generated in {trace['seconds']:.1f} s; {params['repeats']} repeats, "
        f"MB = 10^6 bytes; peak RSS by {env['rss_measured_by']}",
        "",
        f"{'reader':<42} {'wall s (min-max)':>22} {'MB/s':>8} {'peak RSS MB':>12} {'x ours':>7}  answer",
    ]
    for name, label in LABELS:
        lines.append(_table_line(result, name, label))
    lines += ["", *render_inspect(result["inspect"]), "", *render_targets(result["targets"])]
    return "\n".join(lines)


def _table_line(result: dict[str, Any], name: str, label: str) -> str:
    m = result["measures"].get(name)
    if m is None:
        return f"{label:<42} " + _failure(result["failed"].get(name))
    spread = f"{m['median_s']:.2f} ({m['min_s']:.2f}-{m['max_s']:.2f})"
    over = f"{m['over_ours']:.2f}" if "over_ours" in m else "n/a"
    check = result["checks"].get(name, {})
    answer = check.get("status", "?") + (f": {'; '.join(check['wrong'][:3])}" if check.get("wrong") else "")
    return f"{label:<42} {spread:>22} {m['mb_s']:>8.0f} {m['peak_rss_mb']:>12.0f} {over:>7}  {answer}"


def _failure(failed: dict[str, Any] | None) -> str:
    """`FAILED (exit N): ` and the last line of the command's stderr (usually the error message)."""
    if failed is None:
        return "not run"
    lines = failed["stderr"].splitlines()
    return f"FAILED (exit {failed['exit']}): {lines[-1] if lines else ''}"


def render_inspect(inspect: dict[str, Any]) -> list[str]:
    if "failed" in inspect:
        return [f"inspect --event {inspect['event']}: " + _failure(inspect["failed"])]
    if "median_ms" not in inspect:
        return ["inspect: not run (analyze failed)"]
    return [f"inspect --event {inspect['event']} --format json (whole command): {inspect['median_ms']:.0f} ms median "
            f"({min(inspect['runs_ms']):.0f}-{max(inspect['runs_ms']):.0f}), first call {inspect['first_ms']:.0f} ms, "
            f"answer {inspect['check']}; `namel3ss-debug --version` {inspect['startup_median_ms']:.0f} ms"]


def render_targets(targets: list[dict[str, Any]]) -> list[str]:
    lines = []
    for t in targets:
        verdict = "n/a" if t["passed"] is None else "PASS" if t["passed"] else "MISS"
        value = "n/a" if t["value"] is None else f"{t['value']:g}"
        lines.append(f"{t['name']:<18} {value:>10}   {verdict} (target {t['comparison']} {t['bound']:g})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-gib", type=float, default=None, help="trace size in GiB (default 1.0)")
    parser.add_argument("--quick", action="store_true", help="a 0.1 GiB trace")
    parser.add_argument("--dir", type=Path, default=None, help="where the trace goes (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the trace in --dir, and reuse it next time")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"timed repeats (default {REPEATS})")
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    args = parser.parse_args(argv)
    if args.keep and args.dir is None:
        parser.error("--keep needs --dir")
    size = int((args.size_gib or (0.1 if args.quick else 1.0)) * GIB)
    with tempfile.TemporaryDirectory(prefix="n3d-analyze-", dir=args.dir) as tmp:
        trace, totals = prepare_trace(args.dir if args.keep else Path(tmp), size, args.keep)
        raw = time_readers(trace, totals, args.repeats, Path(tmp))
        inspect = time_inspect(trace, totals, max(INSPECT_REPEATS, args.repeats), Path(tmp)) \
            if raw["runs"]["ours"] else {}
    params = {"size_bytes": size, "repeats": args.repeats, "trace_kept": str(trace) if args.keep else None}
    result = summarize(raw, inspect, totals, params)
    print(json.dumps(result, indent=2) if args.json else render_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
