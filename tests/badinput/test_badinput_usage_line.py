"""click's own usage errors (a value its type refuses, an unknown option, a missing argument, an unknown
command) read as ours: one `namel3ss-debug: error:` line naming the command's help, exit 2; no usage block."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.main import cli


@pytest.mark.parametrize(("argv", "message", "hint"), [
    (["analyze", "--top", "abc", "x"], "Invalid value for '--top': 'abc' is not a valid integer range.", ""),
    (["analyze", "--xyzzy"], "no such option '--xyzzy'", ""),
    (["analyze", "--sectoin"], "no such option '--sectoin'", "did you mean `--section`? "),
    (["diff", "a.jsonl"], "Missing argument 'NEW'.", ""),
    (["config", "show", "--format", "xml"], "Invalid value for '--format': 'xml' is not one of 'table', 'json'.", ""),
    (["bogus"], "no such command 'bogus'", ""),
])
def test_a_usage_error_of_clicks_is_one_line_of_ours(argv: list[str], message: str, hint: str) -> None:
    done = CliRunner().invoke(cli, argv, prog_name="namel3ss-debug")
    command = " ".join(["namel3ss-debug", *argv[: 2 if argv[0] == "config" else 1]]) if argv[0] != "bogus" \
        else "namel3ss-debug"
    assert (done.exit_code, done.stderr) == (2, f"namel3ss-debug: error: {message} ({hint}see `{command} --help`)\n")


def test_an_unknown_option_of_the_group_is_one_line_too(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "--bogus"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert (done.returncode, done.stderr) == (
        2, "namel3ss-debug: error: no such option '--bogus' (see `namel3ss-debug --help`)\n")


def test_a_group_without_its_command_still_shows_its_help() -> None:
    done = CliRunner().invoke(cli, ["config"], prog_name="namel3ss-debug")
    assert "Commands:" in done.output and "namel3ss-debug: error" not in done.output


def test_help_is_not_an_error() -> None:
    done = CliRunner().invoke(cli, ["analyze", "--help"], prog_name="namel3ss-debug")
    assert done.exit_code == 0 and done.stdout.startswith("Usage: namel3ss-debug analyze")
