"""`golden status [DIR]`'s use case: which golden runs no longer match the code.

The user's own tests say it: the tests under DIR marked n3replay run through pytest in a subprocess, with record
mode `none` (answered from their golden runs, nothing recorded), the subprocess in a network namespace of its own
where the kernel allows it (`launch/closed_exec.py`: as a rerun is closed; `network` says how), and the plugin's
`--n3-golden-report FILE` writes one line a test (`model/golden_status.GoldenEntry`). Beside them, the golden files
under DIR that no test used (orphans: a trace whose run id is a golden run's, `golden-<digest>`).

    status = golden_status(Path("tests"), sys.executable, env, forward=sys.stderr.buffer.write)
    status.exit_code  # 0 every golden run matches, 1 one does not
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import orjson

from ..launch.closed_exec import EXEC, NAMESPACE, closed_command, read_how
from ..model.errors import EXIT_FAILED, EXIT_OK, Namel3ssDebugError, UsageError
from ..model.fs import private_temporary_folder
from ..model.golden_status import NOT_MATCHING, STATUSES, GoldenEntry
from .environment import Environment

SCHEMA = "namel3ss-debug/golden-status/v1"
GOLDEN_RUN_ID = re.compile(rb'"run_id"\s*:\s*"golden-[0-9a-f]{12}"')
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "venv"})  # besides hidden ones
FIRST_LINE = 1 << 16  # bytes of a file read to tell a golden run by its first event
TAIL = 4096  # bytes of pytest's output kept to name why it stopped
NO_TESTS = 5  # pytest's exit code when no test was collected
REPORT, HOW = "report.jsonl", "network"  # what the pytest run writes in its scratch folder
SCRATCH = re.compile(rf"{re.escape(REPORT)}|{HOW}")


@dataclass(frozen=True)
class GoldenStatus:
    """Every test marked n3replay under `directory`, worst status first, and the golden files none used."""

    directory: str
    command: tuple[str, ...]  # the pytest command that ran the tests
    entries: tuple[GoldenEntry, ...]
    orphans: tuple[str, ...]
    network: str = ""  # how the network was closed around pytest (`closed_exec.py`'s line)

    @property
    def counts(self) -> dict[str, int]:
        return {status: sum(entry.status == status for entry in self.entries) for status in STATUSES}

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if any(entry.status in NOT_MATCHING for entry in self.entries) else EXIT_OK


def golden_status(directory: Path, python: str, env: Environment,
                  forward: Callable[[bytes], None] = lambda chunk: None,
                  announce: Callable[[tuple[str, ...]], None] = lambda command: None,
                  color: bool = False) -> GoldenStatus:
    """Run the n3replay tests under `directory` with `python` (`announce` hears the command first, `forward`
    pytest's output as it comes, in colour with `color`) and read what their golden runs said; UsageError for a
    directory or interpreter that is not there."""
    folder = (env.cwd / directory).resolve()
    if not folder.is_dir():
        why = "not a directory" if folder.exists() else "no such directory"
        raise UsageError(f"{directory}: {why}", hint="name the directory of the tests to check")
    # The pytest it runs writes in a folder of ours reached through a descriptor it inherits, never by a name in
    # TMPDIR that another user could swap for a folder of links
    with private_temporary_folder("n3golden-status-") as scratch:
        scratch.create(REPORT).close()
        report = Path(scratch.held(REPORT))
        command = pytest_command(python, directory, report, color)
        announce(tuple(command))
        how_file = Path(scratch.held(HOW))
        code, tail = _run(closed_command(how_file, command), env, forward, scratch.fd)
        kind, how = read_how(how_file)
        if kind == EXEC:
            raise UsageError(f"--python {command[0]}: cannot run it ({how})",
                             hint="name a Python interpreter that has pytest and namel3ss-debug installed")
        entries = tuple(sorted(_entries(report), key=_order))
        scratch.remove_tree(SCRATCH)
    if code not in (0, 1, NO_TESTS) or (code == 1 and not entries):  # exit 1 with no test: python's, not pytest's
        raise _stopped(code, _last_line(tail))
    used = {Path(entry.golden).resolve() for entry in entries if entry.golden}
    orphans = tuple(_shown(path, env.cwd) for path in golden_files(folder) if path not in used)
    network = f"closed by {how}" if kind == NAMESPACE else f"closed by each replay's in-process guard only ({how})"
    return GoldenStatus(str(directory), tuple(command), entries, orphans, network)


def pytest_command(python: str, directory: Path, report: Path, color: bool) -> list[str]:
    """The tests marked n3replay under `directory`, replayed offline, each reporting its golden run to `report`;
    pytest's own output kept short (the status table says why a test failed), in colour when ours is."""
    return [python, "-m", "pytest", str(directory), "-p", "namel3ss_debug", "--n3-record=none",
            f"--n3-golden-report={report}", "-m", "n3replay", "-q", "--tb=no", "-rN",
            f"--color={'yes' if color else 'no'}"]


def _run(command: list[str], env: Environment, forward: Callable[[bytes], None], folder: int) -> tuple[int, bytes]:
    """Run pytest (handed the descriptor `folder`), forwarding its output; its exit code and the tail of its output."""
    try:
        process = subprocess.Popen(command, cwd=env.cwd, env=dict(env.environ), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(folder,))
    except OSError as exc:
        raise UsageError(f"--python {command[0]}: cannot run it ({exc.strerror or exc})",
                         hint="name a Python interpreter that has pytest and namel3ss-debug") from None
    tail = b""
    assert process.stdout is not None
    with process:
        for chunk in iter(lambda: os.read(process.stdout.fileno(), 8192), b""):  # type: ignore[union-attr]
            forward(chunk)
            tail = (tail + chunk)[-TAIL:]
    return process.returncode, tail


def _stopped(code: int, last: str) -> Namel3ssDebugError:
    """Why pytest ran no test to the end: its usage (4: an option it does not know, a plugin it cannot load),
    the interpreter's (1 with no test: no pytest there), an interruption (2: errors while collecting), an
    internal error (3), a signal."""
    said = f": {last}" if last else ""
    if code in (1, 4):
        return UsageError(f"pytest refused the command (exit {code}){said}", hint="--python names an interpreter "
                          "with pytest and namel3ss-debug installed (the one your tests run under)")
    why = f"killed by signal {-code}" if code < 0 else f"exit {code}"
    return Namel3ssDebugError(f"pytest stopped before the tests were run ({why}){said}",
                              hint="its output is above; run the tests with pytest to see the whole of it")


def _last_line(tail: bytes) -> str:
    lines = [line.strip() for line in tail.decode("utf-8", "replace").splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or [""])[-1][:300]


def _entries(report: Path) -> Iterator[GoldenEntry]:
    for number, line in enumerate(report.read_bytes().splitlines(), 1):
        try:
            yield GoldenEntry.from_json(orjson.loads(line))
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise Namel3ssDebugError(f"the plugin's report line {number} cannot be read ({exc})",
                                     hint="the namel3ss-debug that --python's pytest loads is another version "
                                          "than this one: install the same in both") from None


def _order(entry: GoldenEntry) -> tuple[int, str, str]:
    """Worst status first, then by golden file and test."""
    return STATUSES.index(entry.status), entry.shown or "", entry.nodeid


def golden_files(folder: Path) -> Iterator[Path]:
    """The golden runs under `folder` (resolved): `.jsonl` files whose first event has a golden run's id; hidden
    directories and virtual environments are not searched."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(name for name in dirs if not name.startswith(".") and name not in SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith(".jsonl") and _is_golden(Path(root, name)):
                yield Path(root, name).resolve()


def _is_golden(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            first = stream.readline(FIRST_LINE)
    except OSError:
        return False
    return GOLDEN_RUN_ID.search(first) is not None


def _shown(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd.resolve()))
    except ValueError:
        return str(path)
