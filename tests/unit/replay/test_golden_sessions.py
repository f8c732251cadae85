"""Golden transcripts: scripted console sessions over the `replayfactory` run, compared line by line.

Each `tests/golden/replay/NAME.commands` is fed to the console as a script; the text it prints must equal
`NAME.txt`. Together the scripts use every console command. After a deliberate change of output,
refresh the transcripts with `NAMEL3SS_UPDATE_GOLDEN=1 pytest tests/unit/replay/test_golden_sessions.py`
and read the diff before committing it.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from support.replayfactory import write_agent_run
from rich.console import Console

from namel3ss_debug.replay.commands import aliases_of
from namel3ss_debug.replay.debugger import COMMANDS, ReplaySession
from namel3ss_debug.replay.engine import ReplayEngine
from namel3ss_debug.recording.load import load_timeline
from namel3ss_debug.shell.replay_console import ReplayConsole
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

ALIASES = aliases_of(COMMANDS)  # replay's aliases (the rerun's `ok` is not one)
GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "replay"
SCRIPTS = sorted(path.stem for path in GOLDEN.glob("*.commands"))


def transcript(script: Path, workdir: Path) -> tuple[str, int]:
    """The console's text output for a script, run in `workdir` on `run.jsonl` there."""
    write_agent_run(workdir / "run.jsonl")
    for extra in GOLDEN.glob("*.json"):
        shutil.copy(extra, workdir / extra.name)
    os.chdir(workdir)
    timeline = load_timeline(RunSource("run.jsonl", ("run.jsonl",)), TraceReader(ReadProblems(), write_index=False))
    out = Console(file=io.StringIO(), width=100, color_system=None, highlight=False, emoji=False)
    session = ReplaySession(ReplayEngine(timeline))
    status = ReplayConsole(session, out, out).scripted(script.read_text(encoding="utf-8").splitlines())
    return out.file.getvalue(), status  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_scripted_session_prints_its_golden_transcript(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text, status = transcript(GOLDEN / f"{name}.commands", tmp_path)
    expected_path = GOLDEN / f"{name}.txt"
    if os.environ.get("NAMEL3SS_UPDATE_GOLDEN") == "1":
        expected_path.write_text(text, encoding="utf-8")
    assert text == expected_path.read_text(encoding="utf-8")


def test_the_golden_scripts_use_every_command_and_alias():
    used = set()
    for name in SCRIPTS:
        for line in (GOLDEN / f"{name}.commands").read_text(encoding="utf-8").splitlines():
            if line.strip():
                used.add(line.split()[0])
    assert (set(COMMANDS) | set(ALIASES)) - used == set()


def test_every_command_has_a_usage_line_and_a_summary():
    assert all(command.usage and command.summary for command in COMMANDS.values())
