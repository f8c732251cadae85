"""launch/choosing.py before the app runs: a rerun of a recording not written here is asked about once (`allow_rerun`),
and only a rerun of recordings written here is sealed as written here (`answered_here`, model/seals.py).

The seals are a home of the test's own (`HOME`): a recording is "written here" when the writer sealed it there.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from namel3ss_debug.cli.questions import ask_rerun
from namel3ss_debug.config import load_settings
from namel3ss_debug.launch.choosing import Consent
from namel3ss_debug.launch.guard import GuardedRerun
from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.model.seals import Seals
from namel3ss_debug.tracer.api import get_tracer
from namel3ss_debug.tracer.writer import RotatingJsonlWriter


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def recording(directory: Path, home: Path) -> str:
    """A one-line trace written (and sealed) by the tracer's writer under `home`."""
    writer = RotatingJsonlWriter(directory, "run", seals=Seals.of({"HOME": str(home)}))
    writer.rotate()
    writer.append(b'{"seq": 0}\n')
    writer.close()
    return str(writer.paths[0])


@pytest.fixture
def mine(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path / "mine")}


def test_a_recording_written_here_is_rerun_unasked_and_its_rerun_is_sealed(tmp_path, mine):
    asked: list[str] = []
    choosing = Consent(ask_rerun=lambda where: asked.append(where) or False).choosing(
        [recording(tmp_path / "t", tmp_path / "mine")], mine)
    choosing.allow_rerun("run.jsonl")
    assert asked == [] and choosing.trusted


def test_a_strangers_recording_without_a_terminal_is_refused_in_one_line_with_exit_2(tmp_path, mine):
    choosing = Consent().choosing([recording(tmp_path / "t", tmp_path / "stranger")], mine)
    with pytest.raises(UsageError) as refused:
        choosing.allow_rerun("stranger.jsonl")
    error = refused.value
    assert error.exit_code == 2 and error.where == "stranger.jsonl" and "add --yes" in (error.hint or "")
    assert "not rerunning the app with the answers of a recording not written here" in str(error)
    assert "\n" not in str(error)


def test_yes_lets_a_strangers_recording_drive_the_app_and_says_so(tmp_path, mine):
    warned: list[str] = []
    choosing = Consent(allowed=True, warn=warned.append).choosing([recording(tmp_path / "t", tmp_path / "x")], mine)
    choosing.allow_rerun("stranger.jsonl")
    (warning,) = warned
    assert "recording from elsewhere (stranger.jsonl), as --yes allows" in warning


@pytest.mark.parametrize("answer, runs", [(True, True), (False, False)])
def test_the_terminals_answer_decides(tmp_path, mine, answer, runs):
    asked: list[str] = []
    choosing = Consent(ask_rerun=lambda where: asked.append(where) or answer).choosing(
        [recording(tmp_path / "t", tmp_path / "stranger")], mine)
    if runs:
        choosing.allow_rerun("stranger.jsonl")
    else:
        with pytest.raises(UsageError, match="the app was not rerun: the answer was not yes"):
            choosing.allow_rerun("stranger.jsonl")
    assert asked == ["stranger.jsonl"]


def test_standard_input_is_no_recording_written_here(mine):
    assert not Consent().choosing(["-"], mine).trusted


def test_the_recording_is_digested_once(tmp_path, mine, monkeypatch):
    digested: list[object] = []
    original = Seals.written_here
    monkeypatch.setattr(Seals, "written_here", lambda self, paths: digested.append(1) or original(self, paths))
    edited = Path(recording(tmp_path / "t", tmp_path / "mine"))
    edited.write_bytes(b'{"seq": 1}\n')  # mine, changed since: digested, and not written here
    choosing = Consent(allowed=True).choosing([str(edited)], mine)
    choosing.allow_rerun("t")
    choosing.approve("shell", {"cmd": "x"})
    assert not choosing.trusted and digested == [1]


@pytest.mark.parametrize("typed, yes", [("y\n", True), ("YES\n", True), ("\n", False), ("n\n", False), ("", False)])
def test_the_question_names_the_recording_and_what_the_rerun_cannot_see(typed, yes):
    stderr = Terminal()
    assert ask_rerun("x\n\x1b[2J.jsonl", Terminal(typed), stderr) is yes
    lines = stderr.getvalue().splitlines()
    assert lines[0] == "namel3ss-debug: this rerun answers the app from a recording not written here by you (or " \
                       "changed since):"
    assert lines[1] == "  recording  x\\n\\x1b[2J.jsonl"
    assert "the app runs with the answers a stranger chose" in lines[2]
    assert "an action the app takes on the model's text without a hook is not seen" in lines[3]
    assert lines[4].startswith("Rerun it? [y/N] ")


class Answering:
    """A rerun that vouches for its recordings as it is told: what the tracer asks before it seals a run."""

    def __init__(self, answered_here: bool) -> None:
        self.answered_here = answered_here


@pytest.mark.parametrize("answered_here", [True, False])
def test_a_rerun_run_is_sealed_only_when_what_answered_it_was(tmp_path, answered_here):
    resolved = load_settings({}, tmp_path, overrides={"enabled": True, "trace_output_dir": str(tmp_path / "new")})
    tracer = get_tracer()
    tracer.rerun = Answering(answered_here)  # type: ignore[assignment]
    try:
        run = tracer.start_run(resolved, entry={"kind": "test", "name": "test"}, argv=[], install_hooks=False)
        tracer.end_run()
    finally:
        tracer.rerun = None
    assert run.sealed is answered_here
    seals = Seals.of(os.environ, make=False)
    if seals is not None:  # a machine without a home has no seals at all
        assert seals.written_here(run.paths) is answered_here


def test_a_guarded_rerun_without_a_choosing_vouches_for_nothing():
    assert GuardedRerun(object()).answered_here is False  # type: ignore[arg-type]
