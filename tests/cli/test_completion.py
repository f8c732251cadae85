"""Shell completion as documented (Getting started, `--help`): the scripts for bash, zsh and fish, and the
completions they ask the command for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

COMMAND = [sys.executable, "-m", "namel3ss_debug"]
EXE = Path(sys.executable).with_name("namel3ss-debug")


def completion(mode: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "_NAMEL3SS_DEBUG_COMPLETE": mode, **extra}
    return subprocess.run([str(EXE)], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o nosort -F _namel3ss_debug_completion"),
                                               ("zsh", "#compdef namel3ss-debug"),
                                               ("fish", "complete --no-files --command namel3ss-debug")])
def test_each_shell_gets_its_script(shell: str, marker: str) -> None:
    done = completion(f"{shell}_source")
    assert done.returncode == 0 and marker in done.stdout, done.stdout + done.stderr


def test_commands_and_options_complete() -> None:
    commands = completion("bash_complete", COMP_WORDS="namel3ss-debug rep", COMP_CWORD="1")
    assert commands.stdout.split() == ["plain,replay", "plain,report"]
    options = completion("bash_complete", COMP_WORDS="namel3ss-debug analyze --sec", COMP_CWORD="2")
    assert options.stdout.split() == ["plain,--section"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_the_documented_bash_line_completes_in_bash() -> None:
    # bash calls the function with the command's name first, as here
    script = ('eval "$(_NAMEL3SS_DEBUG_COMPLETE=bash_source namel3ss-debug)"; '
              'COMP_WORDS=(namel3ss-debug rep); COMP_CWORD=1; _namel3ss_debug_completion namel3ss-debug; '
              'echo "${COMPREPLY[*]}"')
    env = {**os.environ, "PATH": f"{EXE.parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["replay", "report"], done.stdout + done.stderr


def test_help_shows_the_three_lines() -> None:
    shown = subprocess.run([*COMMAND, "--help"], capture_output=True, text=True, timeout=60).stdout
    for shell in ("bash", "zsh", "fish"):
        assert f"_NAMEL3SS_DEBUG_COMPLETE={shell}_source namel3ss-debug" in shown
