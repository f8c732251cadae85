"""An OSError no command turned into a message of its own (here: a path longer than the system takes) is
one line of ours with the path and the system's words, exit 2 for a path the user named; --traceback still
shows where it came from."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from click.testing import CliRunner

from namel3ss_debug.cli.errors import os_error
from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")
LONG = "x" * 300


@pytest.mark.parametrize("argv", [["analyze", "--config", LONG, "run.jsonl"], ["config", "show", "--config", LONG],
                                  ["clean", "--dry-run", "-o", LONG]])
def test_a_name_too_long_is_one_line_exit_2(argv: list[str]) -> None:
    done = CliRunner().invoke(cli, argv, catch_exceptions=False)
    assert done.exit_code == 2
    assert done.stderr.startswith("namel3ss-debug: error: ") and done.stderr.count("\n") == 1
    assert f"{LONG}: File name too long (check the path, or name another)" in done.stderr


def test_with_traceback_the_oserror_is_raised() -> None:
    done = CliRunner().invoke(cli, ["--traceback", "config", "show", "--config", LONG])
    assert isinstance(done.exception, OSError) and done.exception.errno == errno.ENAMETOOLONG


def test_an_error_of_the_system_not_the_path_is_a_failure_of_the_run() -> None:
    error = os_error(OSError(errno.ENOSPC, "No space left on device", str(Path("out.html"))))
    assert (error.exit_code, str(error)) == (1, "out.html: No space left on device")
