"""A command run with a pseudo-terminal as its stdin and stderr, its questions answered in turn (the strangers'
rerun tests: the question before a rerun, then the one before a tool).

    code, screen = on_a_terminal(["verify", "t.jsonl"], cwd, env, [b"y\n", b"n\n"])
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

QUESTIONS = (b"[y/N]", b"[y/N/a(ll)]")  # how each question ends, before the space that waits for the answer
BOUND = 180  # seconds: a bound on a hang (a question left unanswered), not a budget


def on_a_terminal(args: list[str], cwd: Path, env: dict[str, str], answers: list[bytes]) -> tuple[int, str]:
    """Run `namel3ss-debug ARGS`, giving `answers` to its questions in turn; its exit code and what the terminal
    showed (the questions, the echoed answers, the messages)."""
    leader, follower = os.openpty()
    process = subprocess.Popen([sys.executable, "-m", "namel3ss_debug", *args], cwd=cwd, env=env, stdin=follower,
                               stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    shown, given = b"", 0
    deadline = time.monotonic() + BOUND
    try:
        while (process.poll() is None or select.select([leader], [], [], 0)[0]) and time.monotonic() < deadline:
            if not select.select([leader], [], [], 0.5)[0]:
                continue
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal's other end closed: the command is done
                break
            shown += chunk
            if shown.rstrip().endswith(QUESTIONS) and given < len(answers):
                os.write(leader, answers[given])
                given += 1
        return process.wait(timeout=60), shown.decode(errors="replace").replace("\r\n", "\n")
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
