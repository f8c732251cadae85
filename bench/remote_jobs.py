"""Many runs in a bucket read in one process (`--jobs 1`) against two worker processes (`--jobs 2`): `analyze --all`
of the folder (no cache, and a first read into an empty cache, whose answer is kept) and `runs` of the folder (its
index in memory, every run read), each the median of `--repeats` runs of the command in a process of its own,
the two `--jobs` interleaved (1 then 2, then 2 then 1, ...) so that a machine's drift falls on both; the ratio
printed, and whether the two answers are the same bytes.

The bucket is moto's S3 server (`tests/support/s3server.py`) on 127.0.0.1, holding `--runs` runs of `--kib` KiB
each (`trace_gen.py`, one seed and run id each): the figures are the client's cost over loopback and the server's
on the same cores, not a network's, where each run's requests wait longer and the workers save more.

    .venv/bin/python bench/remote_jobs.py                  # 200 runs of 256 KiB
    .venv/bin/python bench/remote_jobs.py --runs 40 --repeats 1
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

FOLDER = "s3://runs/bench/"
COMMANDS = {  # what is timed: the arguments, and whether each timing starts from an empty result cache
    "analyze --all (no cache)": (["analyze", "--all", FOLDER, "--format", "json", "--no-cache"], False),
    "analyze --all (first read, kept)": (["analyze", "--all", FOLDER, "--format", "json"], True),
    "runs (index in memory)": (["runs", FOLDER, "--format", "json"], False),
}


def write_runs(folder: Path, runs: int, kib: int) -> None:
    """`runs` runs of about `kib` KiB, each of its own seed and run id (`RUN.0000.jsonl`)."""
    scratch = folder.parent / "one.jsonl"
    for number in range(runs):
        generate(scratch, kib << 10, seed=number)
        run_id = f"20261122-{9 + number // 3600:02d}{number // 60 % 60:02d}{number % 60:02d}-5eed07"
        (folder / f"{run_id}.0000.jsonl").write_bytes(scratch.read_bytes().replace(RUN_ID.encode(), run_id.encode()))
    scratch.unlink()


def timed(args: list[str], jobs: int, environ: dict[str, str], cache: Path) -> tuple[float, bytes]:
    """Seconds one command took in a process of its own, and its stdout."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", *args, "--jobs", str(jobs)],
                          env={**environ, "XDG_CACHE_HOME": str(cache)}, capture_output=True, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} --jobs {jobs} failed: {done.stderr.decode(errors='replace')}")
    return took, done.stdout


def measure(environ: dict[str, str], scratch: Path, repeats: int) -> dict[str, tuple[float, float, bool]]:
    """Each command's median with one job and with two, and whether every answer of two was the one of one."""
    found: dict[str, tuple[float, float, bool]] = {}
    for name, (args, fresh) in COMMANDS.items():
        took: dict[int, list[float]] = {1: [], 2: []}
        answers: dict[int, set[bytes]] = {1: set(), 2: set()}
        for repeat in range(repeats):
            for jobs in ((1, 2) if repeat % 2 == 0 else (2, 1)):
                cache = Path(tempfile.mkdtemp(prefix="cache-", dir=scratch)) if fresh else scratch / "cache"
                seconds, out = timed(args, jobs, environ, cache)
                took[jobs].append(seconds)
                answers[jobs].add(out)
        found[name] = (statistics.median(took[1]), statistics.median(took[2]), answers[1] == answers[2])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs in the bucket's folder (default 200)")
    parser.add_argument("--kib", type=int, default=256, help="each run's size in KiB (default 256)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats of each (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="remote-jobs-") as scratch_name, S3Server() as server:
        scratch = Path(scratch_name)
        (scratch / "runs").mkdir()
        write_runs(scratch / "runs", args.runs, args.kib)
        server.make_bucket("runs")
        environ = {**os.environ, **server.environ(), "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", "import fsspec, sys; fsspec.filesystem('s3').put(*sys.argv[1:], "
                        "recursive=True)", f"{scratch / 'runs'}/", FOLDER], env=environ, check=True)
        found = measure(environ, scratch, args.repeats)
    print(f"{args.runs} runs of {args.kib} KiB in moto's S3 server on 127.0.0.1, median of {args.repeats}")
    print(f"{'command':<36}{'--jobs 1':>10}{'--jobs 2':>10}{'ratio':>8}  same answer")
    for name, (one, two, same) in found.items():
        print(f"{name:<36}{one:>9.2f}s{two:>9.2f}s{one / two:>7.2f}x  {'yes' if same else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
