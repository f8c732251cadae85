"""`replay --step` in a real (pseudo-)terminal: the prompt, help, moving, Tab completion, quitting cleanly."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from support.replayfactory import write_agent_run

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


class Terminal:
    """The CLI on a pseudo-terminal: stdin, stdout and stderr are the terminal, as in a shell."""

    def __init__(self, args: list[str], cwd: Path, rows: int = 50, columns: int = 120):
        leader, follower = pty.openpty()
        termios.tcsetwinsize(follower, (rows, columns))
        env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
        env.pop("NO_COLOR", None)
        env.update({"TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": str(columns)})
        self.process = subprocess.Popen([sys.executable, "-m", "namel3ss_debug", *args], stdin=follower,
                                        stdout=follower, stderr=follower, cwd=cwd, env=env, start_new_session=True)
        os.close(follower)
        self.leader = leader
        self.output = b""
        self.seen = 0

    def expect(self, needle: bytes, timeout: float = 30) -> bytes:
        """Reads until `needle` appears after what earlier expects consumed; what was read up to it."""
        deadline = time.monotonic() + timeout
        while needle not in self.output[self.seen:]:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.leader], [], [], max(left, 0))
            if not ready:
                raise AssertionError(f"{needle!r} not shown within {timeout}s; output: {self.output[-2000:]!r}")
            try:
                self.output += os.read(self.leader, 65536)
            except OSError as error:  # EIO: the program closed the terminal
                raise AssertionError(f"{needle!r} not shown before exit; output: {self.output[-2000:]!r}") from error
        end = self.output.index(needle, self.seen) + len(needle)
        shown, self.seen = self.output[self.seen:end], end
        return shown

    def send(self, data: bytes) -> None:
        os.write(self.leader, data)

    def close(self) -> int:
        try:
            return self.process.wait(30)
        finally:
            os.close(self.leader)


@pytest.fixture
def terminal(tmp_path):
    write_agent_run(tmp_path / "run.jsonl")
    term = Terminal(["replay", "run.jsonl", "--step"], tmp_path)
    yield term
    if term.process.poll() is None:
        term.process.kill()
        term.close()


PROMPT = b"(replay)"  # prompt_toolkit draws the space after it as a cursor move


def test_the_console_works_in_a_terminal(terminal, tmp_path):
    terminal.expect(PROMPT)
    terminal.send(b"help\r")
    terminal.expect(b"quit (q, exit)")
    terminal.expect(PROMPT)
    terminal.send(b"s\r")
    terminal.expect(b"agent_execution_start")
    terminal.expect(PROMPT)
    terminal.send(b"fini\t")  # one candidate: Tab completes it
    terminal.expect(b"sh")
    terminal.send(b"\r")
    terminal.expect(b"agent_execution_end")
    terminal.expect(PROMPT)
    terminal.send(b"q\r")
    assert terminal.close() == 0
    assert b"Traceback" not in terminal.output
    assert "+finish" in (tmp_path / ".namel3ss" / "replay_history").read_text().splitlines()


def test_ctrl_c_clears_the_line_and_ctrl_d_quits(terminal):
    terminal.expect(PROMPT)
    terminal.send(b"goto 12\x03")
    terminal.expect(PROMPT)
    terminal.send(b"s\r")
    terminal.expect(b"agent_execution_start")  # seq 1: the goto was dropped, not run
    terminal.expect(PROMPT)
    terminal.send(b"\x04")
    assert terminal.close() == 0
    assert b"Traceback" not in terminal.output and b"performance_marker" not in terminal.output
