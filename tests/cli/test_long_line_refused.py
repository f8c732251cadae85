"""Every reading command refuses a line past the line limit (`store.blocks.MAX_LINE`, made 64 MiB here) with one
line: the file and line, what is wrong, how to fix it; exit 3; and while it reads, not having gathered the line
first: the command's traced peak stays under 3/4 of the limit (it was the limit, or twice the file where a big
run is cut in parts; what stays is a run's first lines, read up to 16 MiB each). Once at the file's first line
(a file with no newline at all) and once after a run's valid lines (a line without JSON, then the run goes
on). The files are sparse: no disk."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli
from namel3ss_debug.ops.reading import parts as split
from namel3ss_debug.store import blocks

LIMIT = 64 << 20

pytestmark = pytest.mark.usefixtures("isolated_workspace")

COMMANDS = {
    "analyze": ["analyze", "{trace}", "--no-progress"],
    "analyze --jobs 2": ["analyze", "{trace}", "--no-progress", "--jobs", "2"],
    "diagnose": ["diagnose", "{trace}"],
    "check": ["check", "{trace}", "--max-errors", "0", "--no-progress"],
    "inspect": ["inspect", "{trace}", "--no-pager"],
    "inspect --event": ["inspect", "{trace}", "--event", "3", "--no-pager"],
    "replay": ["replay", "{trace}", "--format", "json"],
    "report": ["report", "{trace}", "-o", "page.html", "--no-progress"],
    "diff": ["diff", "{trace}", "{trace}", "--no-progress"],
    "redact": ["redact", "{trace}"],
    "runs": ["runs", "{folder}", "--no-progress"],
    "export": ["export", "{trace}", "--to", "otlp-json", "run.otlp.jsonl"],
}


def _no_newline(folder: Path) -> tuple[Path, int]:
    path = folder / "zeros.jsonl"
    path.write_bytes(b"")
    os.truncate(path, 3 * LIMIT)
    return path, 1


def _after_a_run(folder: Path) -> tuple[Path, int]:
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher")
    trace.span("tool", "search", 5.0, agent, inputs={"q": "solar"})
    trace.end(agent, 30.0)
    trace.run_end()
    lines = trace.write(folder / "run.jsonl").read_bytes().splitlines(keepends=True)
    path = folder / "run.jsonl"
    path.write_bytes(b"".join(lines[:4]))
    os.truncate(path, 3 * LIMIT)
    with open(path, "ab") as out:
        out.write(b"\n" + b"".join(lines[4:]))
    return path, 5


@pytest.mark.parametrize("made", [_no_newline, _after_a_run], ids=["no-newline", "after-a-run"])
@pytest.mark.parametrize("name", COMMANDS)
def test_a_line_past_the_limit_is_refused_in_one_line_with_its_place(tmp_path, monkeypatch, name, made):
    monkeypatch.setattr(blocks, "MAX_LINE", LIMIT)
    monkeypatch.setattr(split, "PART_BYTES", LIMIT)  # the file is cut in parts with --jobs 2
    folder = tmp_path / "traces"
    folder.mkdir()
    path, line = made(folder)
    words = [word.format(trace=path, folder=folder) for word in COMMANDS[name]]
    tracemalloc.start()
    try:
        result = CliRunner().invoke(cli, words, env={"XDG_CACHE_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"},
                                    catch_exceptions=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    said = f"{path}:{line}: a line longer than 64 MiB: this is not a trace (give a JSON Lines trace file)"
    assert result.exit_code == 3, result.output
    assert said in result.output and "Traceback" not in result.output
    assert peak < LIMIT * 3 // 4
