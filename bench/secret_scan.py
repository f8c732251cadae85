"""Secret scanning speed: `check --forbid-secrets` and `redact` on a 200 MB trace, beside a raw regex scan.

    python bench/secret_scan.py                # a 200 MB trace, 3 repeats: about a minute
    python bench/secret_scan.py --quick        # a 50 MB trace
    python bench/secret_scan.py --size-mb 1000 --repeats 5 --json

One run generates the trace (bench/trace_gen.py), plants secrets in a copy (every PLANT_EVERY-th event
with inputs gets an OpenAI-style key in its text or a `password` key, alternately), then times each line
as a whole command in a subprocess (interpreter start and output included), the repeats in a rotating
order. Each answer is checked: the clean trace passes, the planted copy fails with exactly the planted
events, `redact` redacts exactly those, and the copy it rewrote then passes. What each line measures:
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from trace_gen import generate

SCHEMA = "namel3ss-debug/bench-secret-scan/1"
MB = 1_000_000
REPEATS = 3
TARGET_MB_S = 100.0
PLANT_EVERY = 1000
# What the tracer's pre-scan looks for, as one regular expression: a sensitive key before `":` (any case,
# as the key rule spells them) or a token marker followed by a run of token characters. The floor of a raw
# scan for the same things: it finds lines, it cannot say which field holds what, nor hide it.
_KEYS = ("api_key", "apikey", "api-key", "authorization", "password", "passwd", "secret", "token", "cookie",
         "private_key", "private-key", "privatekey", "access_key", "access-key", "accesskey", "secret_key",
         "secret-key", "secretkey", "signing_key", "signing-key", "signingkey", "credential")
_MARKERS = ("sk-", "AKIA", "ASIA", "ABIA", "ACCA", "[Bb]earer ", "eyJ", "PRIVATE KEY-----")
GREP_PATTERN = "(" + "|".join(_KEYS) + ')":|(' + "|".join(_MARKERS) + ")[A-Za-z0-9_-]{17}"


@dataclass
class Line:
    """One timed command: how to run it, what its answer must be, what to do before each run."""

    name: str
    argv: list[str]
    expect: Any  # checked by `answer`
    fresh_copy: bool = False  # restore the planted copy before each run (redact rewrites it)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ours() -> list[str]:
    """The installed console script beside this interpreter, else `python -m namel3ss_debug`."""
    script = Path(sys.executable).with_name("namel3ss-debug")
    return [str(script)] if script.exists() else [sys.executable, "-m", "namel3ss_debug"]


def plant(clean: Path, planted: Path, every: int) -> int:
    """A copy of `clean` with a secret in every `every`-th event that has `inputs`; how many were planted."""
    count = 0
    with open(clean, "rb") as source, open(planted, "wb") as out:
        for number, line in enumerate(source):
            if number % every == every - 1 and b'"inputs":{' in line:
                secret = (b'"note":"use sk-proj-%032dXyZ",' % number if count % 2 == 0
                          else b'"password":"hunter2-%d",' % number)
                line = line.replace(b'"inputs":{', b'"inputs":{' + secret, 1)
                count += 1
            out.write(line)
    return count


def lines(clean: Path, planted: Path, work: Path, secrets: int) -> list[Line]:
    check = [*ours(), "check", "--forbid-secrets", "--no-progress", "--format", "json"]
    timed = [
        Line("check clean", [*check, str(clean)], ("check", 0, 0)),
        Line("check planted", [*check, str(planted)], ("check", 1, secrets)),
        Line("redact --dry-run", [*ours(), "redact", "--dry-run", str(planted)], ("redact", 0, secrets)),
        Line("redact", [*ours(), "redact", str(work)], ("redact", 0, secrets), fresh_copy=True),
        Line("grep -c -E", ["grep", "-c", "-E", GREP_PATTERN, str(planted)], ("grep", 0, secrets)),
    ]
    if shutil.which("rg"):
        timed.append(Line("rg -c", ["rg", "-c", GREP_PATTERN, str(planted)], ("grep", 0, secrets)))
    return timed


def answer(line: Line, returncode: int, stdout: str) -> str:
    """What the command said, or `MISMATCH: ...` when it is not what it must be."""
    kind, code, count = line.expect
    if kind == "grep":  # grep counts lines, and may find more than the planted ones: at least those
        found = int(stdout.strip() or 0)
        return f"{found} lines" if returncode == 0 and found >= count else f"MISMATCH: {found} lines, rc {returncode}"
    if kind == "check":
        found = _check_count(stdout)
        ok = returncode == code and found == count
        return (f"{found} events found" if ok else f"MISMATCH: {found} events, rc {returncode}")
    match = re.search(r"redact(?:ed)? (\d+) event", stdout)
    found = int(match.group(1)) if match else None
    return f"{found} events redacted" if returncode == code and found == count else \
        f"MISMATCH: {stdout.strip()!r}, rc {returncode}"


def _check_count(stdout: str) -> int | None:
    try:
        report = json.loads(stdout)
        return sum(int(r["value_number"]) for run in report["runs"] for r in run["results"])
    except (ValueError, KeyError, TypeError):
        return None


def time_lines(timed: list[Line], planted: Path, work: Path, repeats: int) -> dict[str, Any]:
    """Each line `repeats` times in a rotating order: wall times and the first answer."""
    walls: dict[str, list[float]] = {line.name: [] for line in timed}
    answers: dict[str, str] = {}
    for repeat in range(repeats):
        for line in timed[repeat % len(timed):] + timed[: repeat % len(timed)]:
            if line.fresh_copy:
                shutil.copyfile(planted, work)
            began = time.perf_counter()
            done = subprocess.run(line.argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            walls[line.name].append(time.perf_counter() - began)
            answers.setdefault(line.name, answer(line, done.returncode, done.stdout))
            progress(f"  {line.name}: {walls[line.name][-1]:.2f} s")
    return {"walls": walls, "answers": answers}


def after_redact(work: Path) -> str:
    """The copy `redact` rewrote must pass `check --forbid-secrets`."""
    done = subprocess.run([*ours(), "check", "--forbid-secrets", "--no-progress", str(work)], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    return "passes" if done.returncode == 0 else f"FAILS (rc {done.returncode})"


def summarize(raw: dict[str, Any], size: int, events: int, secrets: int, after: str) -> dict[str, Any]:
    figures = {}
    for name, walls in raw["walls"].items():
        median = statistics.median(walls)
        figures[name] = {"median_s": round(median, 3), "min_s": round(min(walls), 3), "max_s": round(max(walls), 3),
                         "mb_s": round(size / MB / median, 1), "answer": raw["answers"][name]}
    grep = figures["grep -c -E"]["median_s"]
    targets = [_target("check clean MB/s", figures["check clean"]["mb_s"]),
               _target("redact MB/s", figures["redact"]["mb_s"])]
    ratios = {f"{name} / grep -c -E": round(figures[name]["median_s"] / grep, 2)
              for name in ("check clean", "check planted", "redact --dry-run", "redact")}
    return {"schema": SCHEMA, "size_bytes": size, "events": events, "secrets_planted": secrets,
            "redacted_copy_then": after, "figures": figures, "ratios": ratios, "targets": targets,
            "environment": _environment()}


def _target(name: str, value: float) -> dict[str, Any]:
    return {"name": name, "value": value, "bound": TARGET_MB_S, "passed": value >= TARGET_MB_S}


def _environment() -> dict[str, Any]:
    probe = ("import namel3ss_debug as n, namel3ss_debug.redaction.scan as s; "
             "print(n.__version__, getattr(s, 'ACCELERATED', '?'))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    version, _, accelerated = done.stdout.strip().partition(" ")
    return {"python": platform.python_version(), "namel3ss_debug": version, "c_prescan": accelerated,
            "cpu_count": os.cpu_count(), "rg": shutil.which("rg") is not None}


def render(result: dict[str, Any]) -> str:
    env = result["environment"]
    out = [f"secret scan: {result['size_bytes'] / MB:,.0f} MB trace, {result['events']:,} events; "
           f"{result['secrets_planted']} secrets planted in a copy; Python {env['python']}, namel3ss-debug "
           f"{env['namel3ss_debug']}, C pre-scan {env['c_prescan']}, {env['cpu_count']} CPUs",
           f"{'line':<18} {'median s':>9} {'min-max':>13} {'MB/s':>8}   answer"]
    for name, f in result["figures"].items():
        out.append(f"{name:<18} {f['median_s']:>9.2f} {f['min_s']:>6.2f}-{f['max_s']:<6.2f} {f['mb_s']:>8.0f}   "
                   f"{f['answer']}")
    out.append(f"the copy redact rewrote, checked again: {result['redacted_copy_then']}")
    out += [f"{name:<32} {ratio:>5.2f}x" for name, ratio in result["ratios"].items()]
    out += [f"{t['name']:<18} {t['value']:>8.0f}   {'PASS' if t['passed'] else 'MISS'} (target >= {t['bound']:g})"
            for t in result["targets"]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=float, default=None, help="trace size in MB (default 200)")
    parser.add_argument("--quick", action="store_true", help="a 50 MB trace")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"timed repeats (default {REPEATS})")
    parser.add_argument("--dir", type=Path, default=None, help="where the traces go (default: a temp dir)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    args = parser.parse_args(argv)
    size = int((args.size_mb or (50 if args.quick else 200)) * MB)
    with tempfile.TemporaryDirectory(prefix="n3d-secrets-", dir=args.dir) as tmp:
        clean, planted, work = (Path(tmp) / name for name in ("clean.jsonl", "planted.jsonl", "work.jsonl"))
        progress(f"generating {size / MB:,.0f} MB...")
        totals = generate(clean, size)
        secrets = plant(clean, planted, PLANT_EVERY)
        subprocess.run(["cat", str(clean), str(planted)], stdout=subprocess.DEVNULL, check=True)  # page cache
        raw = time_lines(lines(clean, planted, work, secrets), planted, work, args.repeats)
        result = summarize(raw, totals.bytes, totals.events, secrets, after_redact(work))
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
