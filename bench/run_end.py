"""What a traced run's end costs with `trace_upload_url` and `run_index_url` (issue 102): the README's demo app.

    .venv/bin/python bench/run_end.py [--repeats 9]

`examples/research_agent.py` traced without the CLI (`NAMEL3SS_DEBUG_ENABLED=1`), run `--repeats` times each way, in
a fresh directory each time: with neither setting, sent to moto's S3 server on 127.0.0.1 (`tests/support/
s3server.py`), indexed in a PostgreSQL on 127.0.0.1 (`tests/support/pgserver.py`), both, and both with the database
stopped. The figures are the medians of the whole process's wall-clock time and of its CPU (its children's
included: the sending's process), and what each way adds to the first.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
from support.pgserver import PgServer  # noqa: E402 - the tests' servers, beside this repository
from support.s3server import S3Server  # noqa: E402 - as above

APP = REPO / "examples" / "research_agent.py"


def timed(env: dict[str, str]) -> tuple[float, float]:
    """Seconds the app's process took, wall-clock and CPU (its own and its children's)."""
    with tempfile.TemporaryDirectory() as where:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, str(APP)], cwd=where, env=env, capture_output=True, text=True)
        took = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
    return took, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    with S3Server() as store, PgServer() as pg:
        store.make_bucket("runs")
        base = {k: v for k, v in os.environ.items() if not k.startswith(("NAMEL3SS_DEBUG_", "AWS_", "PG"))}
        base.update(PYTHONPATH=str(REPO), NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR="traces")
        sent = {**store.environ(), "NAMEL3SS_DEBUG_TRACE_UPLOAD_URL": "s3://runs/bench"}
        indexed = {**pg.environ(), "NAMEL3SS_DEBUG_RUN_INDEX_URL": pg.database("bench")}
        ways = {"neither": base, "sent": {**base, **sent}, "indexed": {**base, **indexed},
                "sent and indexed": {**base, **sent, **indexed}}
        figures = {name: [timed(env) for _ in range(args.repeats)] for name, env in ways.items()}
        pg.stop()
        figures["both, database down"] = [timed(ways["sent and indexed"]) for _ in range(args.repeats)]
    print(f"{platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
          f"{args.repeats} runs each")
    first = statistics.median(took for took, _ in figures["neither"])
    for name, runs in figures.items():
        wall, cpu = statistics.median(took for took, _ in runs), statistics.median(cpu for _, cpu in runs)
        print(f"{name:20} {wall:6.2f} s  (+{wall - first:.2f} s)  CPU {cpu:.2f} s")


if __name__ == "__main__":
    main()
