"""What sending a run to a bucket adds to a traced app's exit (`trace_upload_url`, issue 102).

    .venv/bin/python bench/upload_exit.py [--mb 10] [--repeats 5]

An app traced without the CLI (`NAMEL3SS_DEBUG_ENABLED=1`) writes a run of about `--mb` MB and exits; it is run
`--repeats` times each way, in a fresh directory each time: with no bucket, with moto's S3 server on 127.0.0.1
(`tests/support/s3server.py`), and with that server stopped. The figure is the median wall-clock time of the whole
process, and what each way adds to the first; the bucket's objects are checked against the run's size.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
from support.s3server import S3Server  # noqa: E402 - the tests' S3 server, beside this repository

APP = """
import namel3ss_debug
from namel3ss_debug import trace_tool_call

@trace_tool_call
def lookup(index, text):
    return {"index": index, "text": text}

for index in range({calls}):
    lookup(index, "x" * 2000)
"""


def timed(app: Path, env: dict[str, str]) -> tuple[float, int]:
    """Seconds the app's process took, and the bytes it left in its trace directory."""
    with tempfile.TemporaryDirectory() as where:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(app)], cwd=where, env=env, capture_output=True, text=True)
        took = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        left = sum(path.stat().st_size for path in Path(where, "traces").glob("*"))
    return took, left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, S3Server() as server:
        server.make_bucket("runs")
        app = Path(scratch, "app.py")
        app.write_text(APP.replace("{calls}", str(int(args.mb * 1e6 / 4100))), encoding="utf-8")
        base = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "AWS_"))}
        base.update(PYTHONPATH=str(REPO), NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces")
        sending = {**base, **server.environ(), "NAMEL3SS_DEBUG_TRACE_UPLOAD_URL": "s3://runs/bench"}
        ways = {"no bucket": base, "sent to the bucket": sending}
        figures = {name: [timed(app, env) for _ in range(args.repeats)] for name, env in ways.items()}
        server.stop()
        figures["the store stopped"] = [timed(app, sending) for _ in range(args.repeats)]
    print(f"{platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
          f"{args.repeats} runs each")
    first = statistics.median(took for took, _ in figures["no bucket"])
    for name, runs in figures.items():
        median = statistics.median(took for took, _ in runs)
        left = statistics.median(size for _, size in runs) / 1e6
        print(f"{name:20} {median:6.2f} s  (+{median - first:.2f} s)  left on disk {left:.1f} MB")


if __name__ == "__main__":
    main()
