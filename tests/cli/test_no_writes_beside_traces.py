"""Reading commands and the user's trace directory: `--no-cache` writes nothing beside the trace (no offset
index sidecar, the only file a read puts there), a sidecar that still describes its file is not written
again, and every reading command works on a read-only directory, with and without `--no-cache`.

The read-only directory is real: mode 555 with files of 444. Root passes over modes (CAP_DAC_OVERRIDE), so
as root the commands run under `setpriv` with that capability dropped; without setpriv those tests skip."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.privileges import unprivileged
from support.tracefactory import many_llm_calls

from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest
from namel3ss_debug.ops.view import LiveRun

pytestmark = pytest.mark.usefixtures("isolated_workspace")  # each test in its own directory, no config

# Each reading command on RUN (and NEW for diff), writing its own output outside the traces' directory.
COMMANDS = {
    "analyze": ["analyze", "{run}"],
    "diff": ["diff", "{run}", "{new}"],
    "replay": ["replay", "{run}"],
    "inspect": ["inspect", "{run}", "--errors-only"],
    "inspect --event": ["inspect", "{run}", "--event", "2999"],
    "inspect --tree": ["inspect", "{run}", "--tree", "--limit", "3"],
    "check": ["check", "{run}", "--max-errors", "0"],
    "report": ["report", "{run}", "-o", "{out}/page.html"],
    "export": ["export", "{run}", "--to", "otlp-json", "{out}/run.otlp.jsonl"],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of two runs past 1 MiB each: a full read of either writes its index, unless told not to.
    Built once for the module (generating them cost more than every command read of them)."""
    directory = tmp_path_factory.mktemp("built")
    many_llm_calls(3000).write(directory / "run.jsonl")
    new = many_llm_calls(3100)
    new.run_id = "20261122-110000-abcdef"
    (directory / "new.jsonl").write_bytes(new.lines().replace(b"20261122-100000-abcdef", new.run_id.encode()))
    return directory


@pytest.fixture
def traces(built: Path, tmp_path: Path) -> Path:
    """A copy of the two runs, the test's own, in a directory beside an empty `out`."""
    (tmp_path / "out").mkdir()
    return Path(shutil.copytree(built, tmp_path / "traces"))


def arguments(name: str, traces: Path, no_cache: bool) -> list[str]:
    values = {"run": str(traces / "run.jsonl"), "new": str(traces / "new.jsonl"), "out": str(traces.parent / "out")}
    words = [word.format(**values) for word in COMMANDS[name]]
    return [words[0], *(["--no-cache"] if no_cache else []), *words[1:]]


def state(directory: Path) -> dict[str, tuple[int, int, str]]:
    """Every file of the directory: size, modification time, content."""
    return {path.name: (path.stat().st_size, path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
            for path in sorted(directory.iterdir())}


def invoke(args: list[str]) -> int:
    from namel3ss_debug.cli.main import cli  # noqa: PLC0415 - as every CLI test

    return CliRunner().invoke(cli, args, input="", catch_exceptions=False).exit_code


@pytest.mark.parametrize("name", COMMANDS)
def test_no_cache_leaves_the_trace_directory_as_it_was(traces: Path, name: str) -> None:
    before = state(traces)
    assert invoke(arguments(name, traces, no_cache=True)) == 0
    assert state(traces) == before


@pytest.mark.parametrize("name", COMMANDS)
def test_without_no_cache_the_same_read_writes_the_index(traces: Path, name: str) -> None:
    assert invoke(arguments(name, traces, no_cache=False)) == 0
    assert (traces / "run.jsonl.idx").is_file()  # what --no-cache spares the directory


def test_view_with_no_cache_leaves_the_trace_directory_as_it_was(traces: Path) -> None:
    before = state(traces)
    live = LiveRun(ReportRequest((str(traces / "run.jsonl"),), cache=False), Environment(cwd=traces.parent))
    assert live.snapshot() is not None
    assert state(traces) == before
    LiveRun(ReportRequest((str(traces / "run.jsonl"),)), Environment(cwd=traces.parent)).snapshot()
    assert (traces / "run.jsonl.idx").is_file()


def test_an_index_that_still_describes_its_file_is_not_written_again(traces: Path) -> None:
    assert invoke(["inspect", str(traces / "run.jsonl"), "--errors-only"]) == 0
    sidecar = traces / "run.jsonl.idx"
    os.utime(sidecar, ns=(10**18, 10**18))  # a time no write would give it
    before = state(traces)
    assert invoke(["analyze", "--no-cache", str(traces / "run.jsonl")]) == 0
    assert invoke(["inspect", str(traces / "run.jsonl"), "--errors-only"]) == 0
    assert state(traces) == before


@pytest.fixture
def read_only(traces: Path):
    """The traces' directory made read-only (555, files 444), and the words to run a command with; made
    writable again afterwards so that pytest can remove it."""
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv: modes do not stop root's writes")
    for path in traces.iterdir():
        path.chmod(0o444)
    traces.chmod(0o555)
    probe = subprocess.run([*prefix, sys.executable, "-c", f"open({str(traces / 'probe')!r}, 'w')"],
                           capture_output=True, text=True)
    if probe.returncode == 0:
        traces.chmod(0o755)
        pytest.skip("this file system lets the directory be written whatever its mode")
    yield prefix
    traces.chmod(0o755)


@pytest.mark.parametrize("no_cache", [False, True], ids=["cached", "no-cache"])
@pytest.mark.parametrize("name", COMMANDS)
def test_every_reading_command_works_on_a_read_only_directory(traces: Path, read_only: list[str], name: str,
                                                              no_cache: bool) -> None:
    before = state(traces)
    done = subprocess.run([*read_only, sys.executable, "-m", "namel3ss_debug", *arguments(name, traces, no_cache)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd=traces.parent, timeout=120,
                          env={**os.environ, "XDG_CACHE_HOME": str(traces.parent / "cache")})
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "ermission" not in done.stderr
    assert state(traces) == before
