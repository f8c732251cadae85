"""`namel3ss-debug golden status [DIR]`: which golden runs no longer match the code.

A thin shell: read the options, run `ops/golden_status.golden_status` (the user's n3replay tests, through pytest,
its output forwarded to stderr), print the table or the JSON document and exit 0 (all match) or 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import warn
from .output import BYTES, RENDERABLE, View, console, show, tell
from .options import format_option
from .suggest import SuggestingGroup
from ..ops.environment import Environment
from ..ops.golden_status import golden_status

VIEWS = {"text": View("render.golden.text:render_golden_status", RENDERABLE),
         "json": View("render.golden.golden_json:golden_status_json", BYTES)}


@click.group("golden", cls=SuggestingGroup)
def golden() -> None:
    """Golden runs: the recorded runs that answer tests marked
    @pytest.mark.n3replay (see the pytest plugin's --n3-record).
    """


@golden.command("status")
@click.argument("directory", metavar="[DIR]", default=".", type=click.Path(path_type=Path))
@click.option("--python", "python", metavar="EXE", default=None, help="The Python interpreter that runs the tests "
              "(one with pytest, namel3ss-debug and the tests' packages installed). Default: the one running "
              "namel3ss-debug.")
@format_option("text", "json")
def status(directory: Path, python: str | None, fmt: str) -> None:
    """List the golden runs whose recorded requests no longer match the code:
    which test, which call, the nearest recorded call and what changed.

    \b
    This runs your tests: those under DIR (default: the working directory)
    marked n3replay, through pytest, with --n3-record=none, so each is
    answered from its golden run with the network closed and nothing is
    recorded. Their fixtures and code run as in any pytest run. pytest's
    progress goes to stderr (in colour on a terminal, unless NO_COLOR is set).

    \b
    Each test's status:
      stale    a call its golden run has no answer for (which, what changed)
      missing  no golden file (record it with pytest --n3-record=once)
      failed   the test failed for another reason
      unused   the test passed but no longer made some recorded calls
      skipped  the test was skipped, so its golden run was not checked
      ok       every call answered, every recorded call made
    Golden files under DIR that no test used are listed after the table.

    \b
    Examples:
      namel3ss-debug golden status
      namel3ss-debug golden status tests --python .venv/bin/python
      namel3ss-debug golden status tests --format json | jq '.tests[] | select(.status != "ok")'

    Exit codes: 0 every golden run matches (or there is none), 1 a test is
    stale, missing, failed or unused (or pytest stopped before running the
    tests), 2 usage (no such DIR, an interpreter that cannot run pytest with
    the plugin).
    """
    errors = console(stderr=True)  # pytest's progress is in colour where ours would be (NO_COLOR honoured)
    result = golden_status(directory, python or sys.executable, Environment.current(warn), forward=_to_stderr,
                           announce=lambda command: tell("render.golden.text:running", str(directory), command),
                           color=errors.is_terminal and not errors.no_color)
    show(result, fmt, VIEWS)
    sys.exit(result.exit_code)


def _to_stderr(chunk: bytes) -> None:
    sys.stderr.buffer.write(chunk)
    sys.stderr.buffer.flush()
