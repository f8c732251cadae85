"""Peak memory of every reading command on a 2 GB file with no newline, beside the same commands on a 2 MB valid
trace: a line past the line limit (256 MiB) must be refused while it is read, not held first.

    python bench/long_line_memory.py                 # 2 GiB sparse file (no disk), 11 commands x 2 inputs: ~20 s
    python bench/long_line_memory.py --size-gb 0.5 --json

Each command runs as its own process, under `/usr/bin/time`-like accounting (`os.wait4`'s peak resident set, the
largest of the process and its workers), the two inputs interleaved command by command, so a busy spell of a
shared machine falls on both. The long file must be refused with exit 3 and the line `FILE:1: a line longer
than 256 MiB` (for `runs`, in the warning before its error); the floor is 300 MB for each command, and the run
exits 1 when one misses it. The valid trace is `trace_gen.py`'s: what a command costs anyway (the interpreter,
the imports, a small run's read).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # trace_gen, beside this file
from trace_gen import generate

FLOOR_MB = 300
COMMANDS = {
    "analyze": ["analyze", "{trace}", "--no-progress"],
    "analyze --jobs 2": ["analyze", "{trace}", "--no-progress", "--jobs", "2"],
    "diagnose": ["diagnose", "{trace}"],
    "check": ["check", "{trace}", "--max-errors", "0", "--no-progress"],
    "inspect": ["inspect", "{trace}", "--no-pager"],
    "replay --format json": ["replay", "{trace}", "--format", "json"],
    "report -o": ["report", "{trace}", "-o", "{out}/page.html", "--no-progress"],
    "diff": ["diff", "{trace}", "{trace}", "--no-progress"],
    "redact": ["redact", "{trace}"],
    "runs DIR": ["runs", "{folder}", "--no-progress"],
    "export": ["export", "{trace}", "--to", "otlp-json", "{out}/run.otlp.jsonl"],
}


def measure(words: list[str], folder: Path, out: Path) -> tuple[int, float, list[str]]:
    """Exit code, peak MB and the lines of standard error of one command on the trace in `folder` (`runs DIR`
    says a run's refusal as a warning, then that no run could be read)."""
    trace = folder / "run.jsonl"
    argv = [sys.executable, "-m", "namel3ss_debug", *(word.format(trace=trace, folder=folder, out=out)
                                                      for word in words)]
    env = {**os.environ, "XDG_CACHE_HOME": str(out / "cache"), "NO_COLOR": "1"}
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors, stdin=subprocess.DEVNULL,
                                   cwd=out, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        said = [line for line in errors.read().decode("utf-8", "replace").splitlines() if line.strip()]
    return process.returncode, usage.ru_maxrss / 1024, said


def inputs(root: Path, size: int) -> dict[str, Path]:
    """A folder for each input, holding its `run.jsonl` (made again for each command: redact rewrites it)."""
    long_line, valid = root / "long", root / "valid"
    for folder in (long_line, valid):
        folder.mkdir()
    generate(root / "valid.jsonl", 2 << 20)
    with open(root / "long.jsonl", "wb") as out:
        out.truncate(size)  # sparse zeros: no disk, no newline
    return {"no newline": long_line, "valid 2 MB": valid}


def refresh(root: Path, name: str, folder: Path) -> None:
    source = root / ("long.jsonl" if name == "no newline" else "valid.jsonl")
    for stale in folder.iterdir():
        stale.unlink()
    subprocess.run(["cp", "--sparse=always", str(source), str(folder / "run.jsonl")], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-gb", type=float, default=2.0, help="the no-newline file's size (default 2)")
    parser.add_argument("--json", action="store_true", help="the figures as JSON on stdout")
    args = parser.parse_args()
    rows, failures = [], []
    with tempfile.TemporaryDirectory(prefix="long-line-") as temporary:
        root = Path(temporary)
        out = root / "out"
        out.mkdir()
        folders = inputs(root, int(args.size_gb * (1 << 30)))
        for command, words in COMMANDS.items():
            row: dict[str, object] = {"command": command}
            for name, folder in folders.items():  # interleaved: both inputs for each command in turn
                refresh(root, name, folder)
                code, peak, said = measure(words, folder, out)
                row[name] = round(peak, 1)
                if name == "no newline":
                    row["exit"] = code
                    refused = any(":1: a line longer than 256 MiB" in line for line in said)
                    if code != 3 or not refused or peak >= FLOOR_MB:
                        failures.append(f"{command}: exit {code}, {peak:.0f} MB, {said[-1:]!r}")
            rows.append(row)
    if args.json:
        print(json.dumps({"schema": 1, "size_gb": args.size_gb, "floor_mb": FLOOR_MB, "rows": rows,
                          "failures": failures}, indent=2))
    else:
        print(f"{'command':<22} {'no newline (MB)':>16} {'exit':>5} {'valid 2 MB (MB)':>16}")
        for row in rows:
            print(f"{row['command']:<22} {row['no newline']:>16} {row['exit']:>5} {row['valid 2 MB']:>16}")
        print(f"floor {FLOOR_MB} MB for the no-newline file: " + ("met" if not failures else "MISSED"))
        for failure in failures:
            print("  " + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
