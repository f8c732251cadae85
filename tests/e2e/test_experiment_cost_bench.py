"""bench/experiment_cost.py runs, at tiny sizes, and its counts hold together (issue 100): the experiment's model
calls (its report's `spent`) are the requests the stub answered, the naive experiment's are T * n(n+1)/2 when it runs
and are computed, and said so, above `--every-up-to`. No time is checked: the bench's figures are measured, not
asserted. The timeout only guards against a hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "experiment_cost.py"
HANG_GUARD_S = 900
TRIES = 3


def test_the_bench_counts_the_calls_it_sent_and_computes_the_ones_it_did_not(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    done = subprocess.run([sys.executable, str(BENCH), "--sizes", "3,4", "--repeats", "1", "--every-up-to", "3",
                           "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=HANG_GUARD_S)
    assert done.returncode == 0, done.stderr[-3000:]
    small, big = json.loads(done.stdout)["sizes"]
    for size in (small, big):
        experiment = size["lines"]["experiment"]
        assert experiment["calls"] == experiment["stub_calls"] > 0
        assert experiment["walls"] and size["lines"]["one rerun"]["walls"]
    every = small["lines"]["every point"]
    assert (every["calls"], every["stub_calls"], every["computed"]) == (TRIES * 3 * 4 // 2,) * 2 + (False,)
    assert (big["lines"]["every point"]["calls"], big["lines"]["every point"]["computed"]) == (TRIES * 4 * 5 // 2,
                                                                                             True)
