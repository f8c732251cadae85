"""A trace never chooses what runs: `verify` and `replay --rerun --live-tools` of a recording not written here ask
before the app runs at all (without a terminal: refused, exit 2), then, on a terminal, before a tool runs with the
arguments it chose; and the network stays closed around the tools `verify` runs.

The app (apps/shell_agent.py) has tools that act on the machine (`shell`, `write_file`, and `fetch` through
urllib); its model is a stub on 127.0.0.1 (shellstub.py) that asks for one call. A stranger's run is recorded
under another home (another user's key, launch/choosing.py), or one's own run is edited after it was written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import orjson
import pytest
from answering import on_a_terminal
from shellstub import ShellStub

APP = Path(__file__).parent / "apps" / "shell_agent.py"
PWNED = "touch PWNED_BY_TRACE; echo hello"

pytestmark = [pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the shell tool is POSIX's"),
              pytest.mark.slow]  # each records and reruns a real app in subprocesses


class Project:
    """A project folder with the app, its user's home, and a stranger's home beside it."""

    def __init__(self, folder: Path, stub: ShellStub):
        self.folder = folder / "project"
        self.folder.mkdir()
        shutil.copy(APP, self.folder / "app.py")
        self.stub = stub

    def run(self, *args: str, home: str = "mine", extra: dict[str, str] | None = None,
            stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=self.folder,
                              env=self.env(home, extra), stdin=stdin, capture_output=True, text=True, timeout=180)

    def env(self, home: str = "mine", extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("NAMEL3SS_DEBUG_", "XDG_"))}
        env.update({"NO_COLOR": "1", "COLUMNS": "240", "HOME": str(self.folder.parent / home),
                    "OPENAI_BASE_URL": self.stub.url, "OPENAI_API_KEY": self.stub.key, **(extra or {})})
        return env

    def on_a_terminal(self, *args: str, extra: dict[str, str] | None = None) -> tuple[int, str]:
        """The command on a terminal, yes to the question before the rerun, no to the first tool's."""
        return on_a_terminal(list(args), self.folder, self.env("mine", extra), [b"y\n", b"n\n"])

    def record(self, home: str, folder: str = "recorded", **extra: str) -> Path:
        done = self.run("trace", "-q", "-o", folder, "app.py", home=home, extra=extra)
        assert done.returncode == 0, done.stderr
        (trace,) = (self.folder / folder).glob("*.jsonl")
        return trace


@pytest.fixture
def stub() -> Iterator[ShellStub]:
    with ShellStub("shell", {"cmd": PWNED}) as started:
        yield started


@pytest.fixture
def project(tmp_path: Path, stub: ShellStub) -> Project:
    return Project(tmp_path, stub)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("namel3ss-debug: error")]


def refused_before_the_app(done: subprocess.CompletedProcess[str]) -> bool:
    (line,) = error_lines(done.stderr)
    return done.returncode == 2 and "not rerunning the app with the answers of a recording not written here" in line


def test_a_strangers_shell_call_does_not_run_under_verify_with_stdin_closed(project):
    stranger = project.record(home="stranger")
    (project.folder / "PWNED_BY_TRACE").unlink()  # the stranger's own run made it
    done = project.run("verify", str(stranger))
    assert refused_before_the_app(done), done.stderr
    assert "Traceback" not in done.stderr
    assert not (project.folder / "PWNED_BY_TRACE").exists()


def test_on_a_terminal_the_strangers_shell_call_is_shown_and_no_stops_it(project):
    stranger = project.record(home="stranger")
    (project.folder / "PWNED_BY_TRACE").unlink()
    code, screen = project.on_a_terminal("verify", str(stranger))
    assert code == 2, screen
    assert f'  tool  shell({{"cmd":"{PWNED}"}})\nRun it? [y/N/a(ll)] n\n' in screen
    assert f'error: not running shell({{"cmd":"{PWNED}"}})' in screen
    assert not (project.folder / "PWNED_BY_TRACE").exists()


def test_a_decorated_tool_is_asked_about_as_well(project):
    stranger = project.record(home="stranger", SHELL_AGENT_DECORATED="1")
    (project.folder / "PWNED_BY_TRACE").unlink()
    code, screen = project.on_a_terminal("verify", str(stranger), extra={"SHELL_AGENT_DECORATED": "1"})
    assert code == 2, screen
    assert "error: not running shell(" in screen
    assert not (project.folder / "PWNED_BY_TRACE").exists()


def test_a_run_recorded_here_is_verified_without_a_question(project):
    mine = project.record(home="mine")
    (project.folder / "PWNED_BY_TRACE").unlink()
    done = project.run("verify", str(mine), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert orjson.loads(done.stdout)["verdict"] == "unchanged"
    assert (project.folder / "PWNED_BY_TRACE").exists()  # the project's own run, as it was recorded


def test_a_run_recorded_here_then_edited_is_asked_about(project):
    mine = project.record(home="mine")
    (project.folder / "PWNED_BY_TRACE").unlink()
    edited = mine.with_name("edited.jsonl")
    edited.write_text(mine.read_text().replace("PWNED_BY_TRACE", "EDITED_BY_HAND"))
    done = project.run("verify", str(edited))
    assert refused_before_the_app(done), done.stderr
    assert not list(project.folder.glob("*_BY_*"))
    code, screen = project.on_a_terminal("verify", str(edited))
    assert code == 2 and "error: not running shell(" in screen and "EDITED_BY_HAND" in screen, screen
    assert not list(project.folder.glob("*_BY_*"))


def test_yes_lets_the_recording_choose_and_says_so(project):
    stranger = project.record(home="stranger")
    (project.folder / "PWNED_BY_TRACE").unlink()
    done = project.run("verify", str(stranger), "--yes")
    assert done.returncode == 0, done.stderr
    assert "running tools with arguments a recording from elsewhere chose, as --yes allows" in done.stderr
    assert (project.folder / "PWNED_BY_TRACE").exists()


def test_replay_rerun_with_live_tools_asks_as_verify_does(project):
    stranger = project.record(home="stranger")
    (project.folder / "PWNED_BY_TRACE").unlink()
    done = project.run("replay", str(stranger), "--rerun", "--live-tools")
    assert refused_before_the_app(done), done.stderr
    code, screen = project.on_a_terminal("replay", str(stranger), "--rerun", "--live-tools")
    assert code == 2 and "error: not running shell(" in screen, screen
    assert not (project.folder / "PWNED_BY_TRACE").exists()


def test_a_strangers_write_file_outside_the_project_does_not_run(tmp_path):
    target = tmp_path / "elsewhere" / "planted.txt"
    target.parent.mkdir()
    with ShellStub("write_file", {"path": str(target), "text": "planted"}) as stub:
        project = Project(tmp_path, stub)
        stranger = project.record(home="stranger")
        target.unlink()
        done = project.run("verify", str(stranger))
        assert refused_before_the_app(done), done.stderr
        code, screen = project.on_a_terminal("verify", str(stranger))
    assert code == 2, screen
    assert f'not running write_file({{"path":"{target}","text":"planted"}})' in screen
    assert not target.exists()


def test_a_tools_urllib_request_stays_closed_under_verify(tmp_path):
    """The recording's own `fetch` (urllib: no recorded client) reached the stub when it was made; verify runs the
    tool, and its request is stopped as a miss, not sent."""
    with ShellStub("fetch", {"url": "{base}/exfil-fetch?key=SECRET"}) as stub:
        project = Project(tmp_path, stub)
        mine = project.record(home="mine")
        assert stub.gets == ["/exfil-fetch?key=SECRET"]  # the recording's own fetch
        done = project.run("verify", str(mine), "--format", "json")
        assert stub.gets == ["/exfil-fetch?key=SECRET"], done.stderr  # nothing more went out
    report = orjson.loads(done.stdout)
    assert done.returncode == 1, done.stderr
    assert report["verdict"] == "inconclusive", report["why"]
    (attempt,) = report["tries"]
    assert attempt["network"]["closed_by"] == "namespace"
