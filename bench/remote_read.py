"""`analyze` of one run read from a bucket against the same run on the local disk: the first read and the cached
second read, each the median of `--repeats` runs of `python -m namel3ss_debug analyze TRACE --format json` in a
process of its own.

The bucket is moto's S3 server (`tests/support/s3server.py`) on 127.0.0.1: the figures are the client's cost
(ranged GETs of 8 MB, s3fs and the read path) over loopback, not a network's. A first read starts from an empty
result cache (a directory of its own); the cached read follows it in the same cache.

    .venv/bin/python bench/remote_read.py              # a 100 MiB run
    .venv/bin/python bench/remote_read.py --mib 20 --repeats 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from support.s3server import S3Server  # noqa: E402 - the test kit's server, found through the path above
from trace_gen import RUN_ID, generate  # noqa: E402 - beside this file


def analyze(trace: str, cache: Path, environ: dict[str, str]) -> float:
    """Seconds one `analyze TRACE --format json` took, in a process of its own with `cache` as its cache."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "analyze", trace, "--format", "json"],
                          env={**environ, "XDG_CACHE_HOME": str(cache)}, capture_output=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"analyze {trace} failed: {done.stderr.decode(errors='replace')}")
    return took


def measure(trace: str, scratch: Path, environ: dict[str, str], repeats: int) -> tuple[float, float]:
    """The median first read and the median cached read of `trace`."""
    first, cached = [], []
    for number in range(repeats):
        cache = Path(tempfile.mkdtemp(prefix=f"cache-{number}-", dir=scratch))
        first.append(analyze(trace, cache, environ))
        cached.append(analyze(trace, cache, environ))
    return statistics.median(first), statistics.median(cached)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mib", type=int, default=100, help="the run's size in MiB (default 100)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats of each (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="remote-read-") as scratch_name, S3Server() as server:
        scratch = Path(scratch_name)
        local = scratch / f"{RUN_ID}.0000.jsonl"
        generate(local, args.mib << 20)
        server.make_bucket("runs")
        environ = {**os.environ, **server.environ(), "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", "import fsspec, sys; fsspec.filesystem('s3').put_file(*sys.argv[1:])",
                        str(local), f"runs/bench/{local.name}"], env=environ, check=True)
        size = local.stat().st_size
        rows = [("local disk", *measure(str(local), scratch, environ, args.repeats)),
                ("bucket (moto, loopback)", *measure(f"s3://runs/bench/{local.name}", scratch, environ, args.repeats))]
    print(f"analyze of a {size / 1e6:.0f} MB run, median of {args.repeats}")
    print(f"{'where':<26}{'first read':>12}{'cached':>10}")
    for where, first, cached in rows:
        print(f"{where:<26}{first:>11.2f}s{cached:>9.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
