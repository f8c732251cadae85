"""An install without a compiler (none of the optional C extensions built) answers every read command exactly
as one with them: the same output, byte for byte, and the same exit code. Each command runs in a fresh
interpreter twice, once with the extensions hidden."""

from __future__ import annotations

import random
import subprocess
import sys

import orjson
import pytest

from support.serverruns import server_run

from namel3ss_debug.analysis import floats
from namel3ss_debug.store import newlines
from namel3ss_debug.redaction import scan

COMPILED = ("namel3ss_debug.redaction._scan", "namel3ss_debug.store._lines", "namel3ss_debug.model._arrays",
            "namel3ss_debug.analysis._floats")
PRELUDE = f"""
import sys
class Hidden:
    def find_spec(self, name, path=None, target=None):
        if name in {COMPILED!r}:
            raise ImportError(name)
if sys.argv.pop(1) == "hidden":
    sys.meta_path.insert(0, Hidden())
from namel3ss_debug.store import newlines
from namel3ss_debug.redaction import scan
from namel3ss_debug.analysis import floats
flags = [newlines.ACCELERATED, scan.ACCELERATED, floats.ACCELERATED]
sys.stderr.write(f"compiled: {{flags}}\\n")
from namel3ss_debug.cli.main import main
main()
"""
RULES = ["--max-errors", "3", "--max-p95", "llm=300ms", "--require", "llm", "--require-order", "agent,llm",
         "--clean-integrity", "--forbid-secrets"]

pytestmark = pytest.mark.skipif(
    not (newlines.ACCELERATED and scan.ACCELERATED and floats.ACCELERATED),
    reason="the C extensions were not compiled on this install: there is nothing to compare")


def run(how: str, args: list[str], cwd) -> tuple[int, str, str]:
    result = subprocess.run([sys.executable, "-c", PRELUDE, how, *args], cwd=cwd, capture_output=True, text=True,
                            timeout=120, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin", "HOME": str(cwd),
                                              "XDG_CACHE_HOME": str(cwd / "cache")})
    return result.returncode, result.stdout, result.stderr


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two runs of a few thousand events (an API key planted in one), a replay session's commands."""
    where = tmp_path_factory.mktemp("runs")
    for name, seed in (("base.jsonl", 5), ("new.jsonl", 6)):
        lines = server_run(random.Random(seed), 400)
        lines = [line for line in lines if line["run_id"] == lines[0]["run_id"]]  # one run: diff compares runs
        if seed == 6:
            lines[7]["attrs"] = {"note": "sk-proj-" + "a1B2c3D4" * 5}
        (where / name).write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    (where / "session.txt").write_text(  # stops early and late in the run, their calls numbered
        "n\nn\nc\nlist\nstep\nwhere\ngoto 2500\nlist\nc\nc\nwhere\nlist 2900 3000\nstats\nq\n")
    return where


@pytest.mark.parametrize("command", [
    ["analyze", "base.jsonl", "--format", "json", "--no-cache"],
    ["analyze", "new.jsonl", "--no-cache"],
    ["check", "new.jsonl", *RULES],
    ["diff", "base.jsonl", "new.jsonl", "--format", "json", "--no-cache"],
    ["replay", "base.jsonl", "--commands", "session.txt", "--break", "tool if duration_ms > 20", "--no-cache"],
    ["inspect", "base.jsonl", "--tree"],
], ids=lambda command: command[0])
def test_a_command_answers_the_same_without_the_compiled_parts(runs, command):
    compiled, hidden = run("compiled", command, runs), run("hidden", command, runs)
    on, off = repr([True] * 3), repr([False] * 3)
    assert compiled[2].startswith(f"compiled: {on}")
    assert hidden[2].startswith(f"compiled: {off}")
    assert hidden == (compiled[0], compiled[1], compiled[2].replace(on, off, 1))
    assert compiled[1]  # it said something
