"""A stranger's answers cannot be laundered into a trace written here, nor drive an action the rerun cannot see.

A run answered from a recording not written here (`replay --rerun`, a `verify` try, its partial run) is itself a
stranger's: the writer does not seal it (`model/seals.py`), so whatever reruns it next asks first. And any rerun of
a stranger's recording asks once before the app runs (`launch/choosing.py`): an app that acts on the model's text
with a plain function (apps/text_action_agent.py) shows the rerun no tool to ask about.

Two homes stand for two users (each its own seal key): the stranger records, "mine" reruns. The commands run with
stdin closed (nothing can be asked) unless a test gives them a pseudo-terminal.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from answering import on_a_terminal
from shellstub import ShellStub
from support.stubs import LoopbackServer, Reply, Request, chat_completion, json_reply

from namel3ss_debug.model.seals import Seals

APPS = Path(__file__).parent / "apps"
PWNED = "touch PWNED_BY_TRACE; echo hello"
REFUSED = "not rerunning the app with the answers of a recording not written here by this user"

pytestmark = [pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the shell tool is POSIX's"),
              pytest.mark.slow]  # each records and reruns a real app in subprocesses


class Project:
    """A project folder holding one app, beside the homes of its user ("mine") and of a stranger."""

    def __init__(self, folder: Path, app: str, base_url: str):
        self.folder = folder / "project"
        self.folder.mkdir()
        shutil.copy(APPS / app, self.folder / "app.py")
        self.base_url = base_url

    def env(self, home: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("NAMEL3SS_DEBUG_", "XDG_"))}
        env.update({"NO_COLOR": "1", "COLUMNS": "240", "HOME": str(self.folder.parent / home),
                    "OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": "sk-stub"})
        return env

    def run(self, *args: str, home: str = "mine") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=self.folder, env=self.env(home),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)

    def record(self, home: str, mark: str) -> Path:
        """The app's run recorded under `home`; the mark its action left is removed."""
        self.run("trace", "-q", "-o", f"recorded-{home}", "app.py", home=home)
        (self.folder / mark).unlink()  # the recording's own run made it
        (trace,) = (self.folder / f"recorded-{home}").glob("*.jsonl")
        return trace

    def traces(self, folder: str) -> list[Path]:
        return sorted((self.folder / folder).glob("*.jsonl"))

    def sealed(self, paths: list[Path]) -> bool:
        """Whether my seals note every one of `paths` as written here."""
        seals = Seals.of({"HOME": str(self.folder.parent / "mine")}, make=False)
        return seals is not None and seals.written_here(paths)

    def on_a_terminal(self, *args: str, answers: list[bytes]) -> tuple[int, str]:
        return on_a_terminal(list(args), self.folder, self.env("mine"), answers)


def errors(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("namel3ss-debug: error")]


def refused_up_front(done: subprocess.CompletedProcess[str]) -> bool:
    (line,) = errors(done)
    return done.returncode == 2 and REFUSED in line and "add --yes" in line and "Traceback" not in done.stderr


# --- a tool the recording chose: shell_agent's `shell`, on the wire --------------------------------------

@pytest.fixture
def shell_project(tmp_path: Path) -> Iterator[Project]:
    with ShellStub("shell", {"cmd": PWNED}) as stub:
        yield Project(tmp_path, "shell_agent.py", stub.url)


def test_verify_of_a_rerun_of_a_strangers_recording_asks_before_the_shell_call(shell_project):
    project = shell_project
    stranger = project.record("stranger", "PWNED_BY_TRACE")
    rerun = project.run("replay", str(stranger), "--rerun", "-o", "reran", "--yes")
    assert rerun.returncode == 0, rerun.stderr
    (project.folder / "PWNED_BY_TRACE").unlink()  # --yes let the stranger's call run in the rerun
    reran = project.traces("reran")
    assert reran and not project.sealed(reran)
    for target in (str(reran[0]), "reran"):  # the file, and verify DIR (its newest run)
        done = project.run("verify", target)
        assert refused_up_front(done), done.stderr
        assert not (project.folder / "PWNED_BY_TRACE").exists()


def test_a_chain_of_reruns_never_gains_a_seal(shell_project):
    project = shell_project
    source = project.record("stranger", "PWNED_BY_TRACE")
    for link in ("first", "second"):
        done = project.run("replay", str(source), "--rerun", "-o", link, "--yes")
        assert done.returncode == 0, done.stderr
        (source,) = project.traces(link)
        assert not project.sealed([source])
    (project.folder / "PWNED_BY_TRACE").unlink()
    assert refused_up_front(project.run("verify", str(source)))
    assert not (project.folder / "PWNED_BY_TRACE").exists()


def test_the_partial_run_of_a_refused_verify_is_a_strangers(shell_project):
    project = shell_project
    stranger = project.record("stranger", "PWNED_BY_TRACE")
    code, screen = project.on_a_terminal("verify", str(stranger), "-o", "partial", answers=[b"y\n", b"n\n"])
    assert code == 2, screen
    assert "Rerun it? [y/N] y\n" in screen and f'not running shell({{"cmd":"{PWNED}"}})' in screen
    partial = project.traces("partial")
    assert partial and not project.sealed(partial)
    done = project.run("verify", "partial")
    assert refused_up_front(done), done.stderr
    assert not (project.folder / "PWNED_BY_TRACE").exists()


def test_my_own_recording_and_its_rerun_run_without_a_question(shell_project):
    project = shell_project
    mine = project.record("mine", "PWNED_BY_TRACE")
    rerun = project.run("replay", str(mine), "--rerun", "-o", "reran")
    assert rerun.returncode == 0, rerun.stderr
    assert "warning" not in rerun.stderr and (project.folder / "PWNED_BY_TRACE").exists()
    (project.folder / "PWNED_BY_TRACE").unlink()
    assert project.sealed(project.traces("reran"))
    done = project.run("verify", "reran")
    assert done.returncode == 0, done.stderr
    assert (project.folder / "PWNED_BY_TRACE").exists()  # the project's own run, as it was recorded


# --- an action the app takes on the model's text: no tool the rerun can see ------------------------------

def text_answer(request: Request) -> Reply:
    """The plan holds the action; the verdict is `not ok`, so the run fails (bisect needs a failed run)."""
    asked = request.json()["messages"][0]["content"]
    said = "Action: shell(touch PWNED_BY_TEXT)" if asked == "plan" else "not ok"
    return json_reply(chat_completion({"role": "assistant", "content": said}, usage=(3, 2)))


@pytest.fixture
def text_project(tmp_path: Path) -> Iterator[Project]:
    with LoopbackServer({"POST *": text_answer}, name="text-stub", base="/v1") as stub:
        project = Project(tmp_path, "text_action_agent.py", stub.url)
        (tmp_path / "answers.json").write_text('{"llm:openai.chat#2": "ok"}')
        yield project


COMMANDS = {
    "replay --rerun": ("replay", "{trace}", "--rerun", "-o", "new"),
    "verify": ("verify", "{trace}", "-o", "new"),
    "bisect": ("bisect", "{trace}", "--answers", "../answers.json", "-o", "new"),
}


@pytest.mark.parametrize("command", COMMANDS, ids=list(COMMANDS))
def test_an_unhooked_action_of_a_strangers_recording_is_asked_about_first(text_project, command):
    stranger = text_project.record("stranger", "PWNED_BY_TEXT")
    done = text_project.run(*(word.format(trace=stranger) for word in COMMANDS[command]))
    assert refused_up_front(done), done.stderr
    assert not (text_project.folder / "PWNED_BY_TEXT").exists()
    assert not text_project.traces("new")  # the app never started


def test_yes_lets_the_unhooked_action_run_and_says_so(text_project):
    stranger = text_project.record("stranger", "PWNED_BY_TEXT")
    done = text_project.run("replay", str(stranger), "--rerun", "-o", "new", "--yes")
    assert done.returncode == 1, done.stderr  # the app fails, as it was recorded failing (`not ok`)
    assert "rerunning the app with the answers of a recording from elsewhere" in done.stderr
    assert (text_project.folder / "PWNED_BY_TEXT").exists()


def test_my_own_text_agent_reruns_without_a_question(text_project):
    mine = text_project.record("mine", "PWNED_BY_TEXT")
    done = text_project.run("replay", str(mine), "--rerun", "-o", "new")
    assert done.returncode == 1, done.stderr  # the app fails, as it was recorded failing (`not ok`)
    assert "warning" not in done.stderr and (text_project.folder / "PWNED_BY_TEXT").exists()
