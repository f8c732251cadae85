"""A big run read in parts (`analyze --jobs 2`, `ops/reading/handoff.py`) with `TMPDIR` a shared directory without
the sticky bit, and another user there: between the worker's write of its answer and the join, the stranger
renames the read's directory and puts theirs at its name, holding a `part-N.pickle` that creates a file when it is
unpickled. The read gives the answer one process gives, and the stranger's pickle never runs.

The read runs as root and as an unprivileged user, the stranger as a third user (`setpriv`). The swap is made at a
set point, not raced for: the reading process stops before its first answer is taken (a hook on `handoff.taken`)
and waits for this test, which runs the stranger, then lets it go on.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from support.tracefactory import TraceBuilder

NOBODY = 65534
STRANGER = 65533
AS_ROOT: list[str] = []
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
AS_STRANGER = ["setpriv", f"--reuid={STRANGER}", f"--regid={STRANGER}", "--clear-groups"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0
                                or not shutil.which("setpriv"),
                                reason="two users need Linux, root and setpriv")

# The read, in its own process: `analyze` of the run with `jobs`, its parts 40 kB each; before the first answer is
# taken it says "swap" and waits for a line. The report, as JSON, is its last line.
READ = """
import io, sys
from pathlib import Path
import msgspec
from namel3ss_debug.ops.reading import handoff, parts as split
from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest, analyze_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.traces import TraceArgs

trace, jobs = sys.argv[1], int(sys.argv[2])
split.PART_BYTES = 40_000
take, stopped = handoff.taken, []

def taken(*args):
    if not stopped:
        stopped.append(True)
        print("swap", flush=True)
        sys.stdin.readline()
    return take(*args)

handoff.taken = taken
env = Environment(environ={}, cwd=Path(trace).parent, warn=lambda line: None, stdin=io.BytesIO(b""))
request = AnalyzeRequest(TraceArgs((trace,)), cache=False, jobs=jobs)
print(msgspec.json.encode(analyze_traces(request, env)).decode(), flush=True)
"""

# The stranger: each read's directory in the shared TMPDIR renamed, and one of theirs put at its name with answers
# that create `marker` when unpickled. Says how many it swapped.
SWAP = """
import os, pickle, sys
shared, marker = sys.argv[1], sys.argv[2]

class Planted:
    def __reduce__(self):
        return (os.system, ("touch " + marker,))

swapped = 0
for name in os.listdir(shared):
    if name.startswith("namel3ss-debug-parts-"):
        os.rename(os.path.join(shared, name), os.path.join(shared, "moved-" + name))
        os.mkdir(os.path.join(shared, name), 0o755)
        for number in range(4):
            with open(os.path.join(shared, name, f"part-{number}.pickle"), "wb") as out:
                pickle.dump(Planted(), out)
        swapped += 1
print(swapped)
"""


@pytest.fixture
def place() -> Iterator[Path]:
    """A folder every user can read (pytest's are root's alone), with `tmp` in it: everyone's, no sticky bit."""
    base = Path(tempfile.mkdtemp(prefix="n3-handoff-users-", dir="/tmp"))
    try:
        base.chmod(0o755)
        (base / "tmp").mkdir()
        (base / "tmp").chmod(0o777)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def big_run(path: Path) -> Path:
    """About 150 kB of agents with tool calls, some failing: four parts of 40 kB."""
    rng = random.Random(3)
    trace = TraceBuilder()
    trace.run_start()
    for _ in range(300):
        agent = trace.start("agent", rng.choice(["a", "b"]))
        for _ in range(rng.randint(1, 3)):
            trace.span("tool", "search", rng.uniform(1, 90), agent, inputs={"q": rng.randint(0, 20)},
                       status="failed" if rng.random() < 0.1 else "completed")
        trace.end(agent, rng.uniform(50, 300))
        trace.advance(rng.uniform(0, 500))
    trace.run_end()
    written = trace.write(path)
    written.chmod(0o644)
    return written


def environ(shared: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": str(shared), "HOME": str(shared),
            "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.mark.parametrize("reader", [AS_ROOT, AS_NOBODY], ids=["root", "unprivileged"])
def test_a_stranger_who_swaps_the_parts_directory_changes_nothing_and_runs_nothing(place: Path,
                                                                                   reader: list[str]) -> None:
    shared, marker = place / "tmp", place / "tmp" / "PLANTED-PICKLE-RAN"
    trace = big_run(place / "big.jsonl")
    alone = subprocess.run([*reader, sys.executable, "-c", READ, str(trace), "1"], env=environ(shared), cwd=place,
                           capture_output=True, timeout=300)
    assert alone.returncode == 0, alone.stderr.decode()
    reading = subprocess.Popen([*reader, sys.executable, "-c", READ, str(trace), "2"], env=environ(shared),
                               cwd=place, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert reading.stdout is not None and reading.stdin is not None
        assert reading.stdout.readline() == b"swap\n"  # read in parts: an answer written, about to be taken
        swap = subprocess.run([*AS_STRANGER, sys.executable, "-c", SWAP, str(shared), str(marker)],
                              env=environ(shared), cwd=place, capture_output=True, timeout=120, check=True)
        assert swap.stdout == b"1\n"
        reading.stdin.write(b"go\n")
        reading.stdin.flush()
        out, err = reading.communicate(timeout=300)
    finally:
        if reading.poll() is None:
            reading.kill()
            reading.wait()
    assert not marker.exists(), "the stranger's pickle ran"
    assert reading.returncode == 0, err.decode()
    assert out.splitlines()[-1] == alone.stdout.splitlines()[-1]
    planted = [path for path in shared.iterdir() if path.name.startswith("namel3ss-debug-parts-")]
    assert len(planted) == 1 and sorted(os.listdir(planted[0])) == [f"part-{n}.pickle" for n in range(4)]
