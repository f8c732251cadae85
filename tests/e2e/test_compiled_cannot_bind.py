"""The compiled loops read a typed record's fields where its type keeps them (found by name when the extension
binds). A msgspec release that kept a Struct's fields otherwise would leave them nothing to bind to: each read
command then runs its Python reference, with the same answer, instead of failing at import."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tracefactory import TraceBuilder, error

from namel3ss_debug.analysis import tally

pytestmark = pytest.mark.skipif(not tally.ACCELERATED, reason="the C extensions were not compiled on this install")

# Before the engines are imported, the record type they bind to becomes one that keeps its fields as properties
# (no member to read at an offset), as a msgspec that stored them otherwise would look to the extensions.
PRELUDE = """
import sys
from namel3ss_debug.store import records
if sys.argv.pop(1) == "unbindable":
    fields = records.EventRecord.__struct_fields__
    records.EventRecord = type("EventRecord", (), {name: property(lambda self: None) for name in fields})
from namel3ss_debug.analysis import tally
from namel3ss_debug.checks import scan
from namel3ss_debug.diffing import calls
sys.stderr.write(f"bound: {[tally.ACCELERATED, scan.ACCELERATED, calls._record is not None]}\\n")
from namel3ss_debug.cli.main import main
main()
"""


def run(how: str, args: list[str], cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PRELUDE, how, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin", "HOME": str(cwd),
                                            "XDG_CACHE_HOME": str(cwd / "cache")})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    where = tmp_path_factory.mktemp("runs")
    for name, failed in (("base.jsonl", False), ("new.jsonl", True)):
        trace = TraceBuilder()
        trace.run_start()
        agent = trace.start("agent", "planner")
        trace.span("llm", "plan", 120.0, agent, model="gpt-4o", usage={"input_tokens": 100, "output_tokens": 9})
        trace.span("tool", "search", 30.0, agent, inputs={"q": 1}, status="failed" if failed else "completed",
                   error=error("TimeoutError", "late") if failed else None)
        trace.end(agent, 200.0)
        trace.run_end()
        trace.write(where / name)
    (where / "session.txt").write_text("n\nn\nwhere\nq\n")
    return where


@pytest.mark.parametrize("command", [
    ["analyze", "new.jsonl", "--format", "json", "--no-cache"],
    ["check", "new.jsonl", "--max-errors", "0", "--require", "llm"],
    ["diff", "base.jsonl", "new.jsonl", "--format", "json", "--no-cache"],
    ["replay", "new.jsonl", "--commands", "session.txt", "--no-cache"],
], ids=lambda command: command[0])
def test_a_record_type_the_extensions_cannot_bind_to_runs_the_reference_with_the_same_answer(runs, command):
    bound, unbound = run("bindable", command, runs), run("unbindable", command, runs)
    assert bound.stderr.startswith("bound: [True, True, True]")
    assert unbound.stderr.startswith("bound: [False, False, False]"), unbound.stderr
    assert (unbound.returncode, unbound.stdout) == (bound.returncode, bound.stdout)
    assert unbound.stdout
