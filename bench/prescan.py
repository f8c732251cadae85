"""Redaction's pre-scan alone: nanoseconds per serialized event line, ours against the old scanner and a floor.

    python bench/prescan.py                  # the tracer_overhead pool; the old scanner built from git if it can be
    python bench/prescan.py --old none       # without the old scanner
    python bench/prescan.py --old <rev>      # the old scanner of another revision

The lines are bench/tracer_overhead.py's pool (ordinary `llm_call_end` events, about 1.4 KB each: prose, a
`chatcmpl-...` id, usage) serialized with orjson. Measured on the same lines, each the best of several passes:
- ours: `make_scanner(...)` as the Redactor builds it (the default kernel), then each kernel the machine runs;
- old: the scanner before the detector table (`Scanner(17, suffixes, markers)`: keys, a run of 17 and nine
  markers), compiled from `namel3ss_debug/redaction/_scan.c` at `--old` into a temporary directory (needs git and a
  C compiler; skipped with a note otherwise);
- floor: `line.find(b"sk-")`, one CPython substring search over the line: what any pre-scan must beat;
- the pure-Python reference, on a tenth of the lines (the fallback where the extension was not compiled).
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from namel3ss_debug.redaction import detectors, scan  # noqa: E402 - the checkout's package, through the path above
from namel3ss_debug.redaction.redact import DEFAULT_KEYS, key_spellings  # noqa: E402 - as above
from overhead_workloads import make_pool  # noqa: E402 - beside this file, through the path above

OLD_REV = "77dc0f9"  # the last revision of _scan.c before the detector table
OLD_MIN_RUN = 17
OLD_MARKERS = ("sk-", "AKIA", "ASIA", "ABIA", "ACCA", "Bearer", "bearer", "eyJ", "PRIVATE KEY-----")
PASSES = 9
COPIES = 20  # the pool is 1000 lines: 20,000 calls per pass


def best_ns_per_line(check: Callable[[bytes], Any], lines: list[bytes]) -> float:
    best = float("inf")
    for _ in range(PASSES):
        start = time.perf_counter_ns()
        for line in lines:
            check(line)
        best = min(best, (time.perf_counter_ns() - start) / len(lines))
    return best


def build_old(rev: str, directory: Path) -> Any:
    """The old `_scan` module, compiled from git; raises when git or the compiler are missing."""
    from setuptools import Distribution, Extension  # noqa: PLC0415 - optional: without it the caller measures the rest
    from setuptools.command.build_ext import build_ext  # noqa: PLC0415 - as above

    source = directory / "_scan.c"
    source.write_bytes(subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:namel3ss_debug/redaction/_scan.c"],
                                      check=True, capture_output=True).stdout)
    distribution = Distribution({"ext_modules": [Extension("_scan", [str(source)])]})
    distribution.verbose = 0  # the compiler's command lines are noise here
    command = build_ext(distribution)
    command.build_lib = command.build_temp = str(directory)
    command.ensure_finalized()
    command.run()
    spec = importlib.util.spec_from_file_location("_scan", command.get_ext_fullpath("_scan"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def measure(old_rev: str) -> list[tuple[str, float, int, int]]:
    """(name, ns per line, lines flagged, lines checked) for each alternative."""
    lines = [orjson.dumps(event) for event in make_pool(1)]
    suffixes = tuple(s.encode() for s in (*key_spellings(DEFAULT_KEYS), "argv", "$bytes"))
    markers = tuple((m.text.encode(), m.boundary, m.min_body) for m in detectors.markers())
    checks: list[tuple[str, Callable[[bytes], Any], list[bytes]]] = [
        (f"ours ({'C' if scan.ACCELERATED else 'pure Python: the extension is not built'})",
         scan.make_scanner(suffixes, markers), lines)]
    if scan.ACCELERATED:
        from namel3ss_debug.redaction._scan import KERNELS, Scanner  # noqa: PLC0415 - exists only when compiled

        checks += [(f"  kernel {kernel}", Scanner(suffixes, markers, kernel).may_hold_secret, lines)
                   for kernel in KERNELS]
    with tempfile.TemporaryDirectory() as directory:
        if old_rev != "none":
            try:
                old = build_old(old_rev, Path(directory))
                old_scan = old.Scanner(OLD_MIN_RUN, suffixes, tuple(m.encode() for m in OLD_MARKERS)).may_hold_secret
                checks.append((f"old ({old_rev}: keys, a run of 17, 9 markers)", old_scan, lines))
            except Exception as error:  # no git, no compiler: measure the rest
                print(f"old scanner not built ({type(error).__name__}: {error}); see --old", file=sys.stderr)
        checks.append(("floor: line.find(b'sk-')", lambda line: line.find(b"sk-"), lines))
        checks.append(("pure-Python reference", scan.scanner_py(suffixes, markers), lines[::10]))
        return [(name, best_ns_per_line(check, sample * (COPIES if sample is lines else 1)),
                 sum(bool(check(line)) for line in sample), len(sample)) for name, check, sample in checks]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=OLD_REV, help=f"git revision of the old scanner, or none (default {OLD_REV})")
    args = parser.parse_args(argv)
    results = measure(args.old)
    size = sum(len(orjson.dumps(e)) for e in make_pool(1)) / 1000
    print(f"pre-scan of {size:.0f}-byte event lines (bench/tracer_overhead.py's pool), best of {PASSES} passes")
    for name, ns, flagged, checked in results:
        flags = f"{flagged}/{checked} flagged" if not name.startswith("floor") else ""
        print(f"{name:<52} {ns:>9.0f} ns/line   {flags}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
