"""`redact` beside files it did not make: each layout of the hostile kit (a link to a file or to another user's
folder, a FIFO, a device, another user's file, a directory) at a name of a killed rewrite's temporary or at the
trace's offset index is neither followed, waited on nor removed; the run is redacted, and the victim's files are
as they were. A directory redact cannot write in is one line, the file as it was."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.hangguard import bounded
from support.hostile import LAYOUTS, Victim, plant
from support.privileges import unprivileged
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")

PASSWORD = "hunter2hunter2"
# names a killed rewrite leaves: model/fs.py's temporary, and mkstemp's of an earlier version
STALE_NAMES = (".run.jsonl.0123456789abcdef.tmp", ".run.jsonl.k1ll3d_x.tmp")


@pytest.fixture
def victim(tmp_path: Path) -> Victim:
    return Victim.made(tmp_path / "victim", files=20)


def secret_run(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "login", 5.0, trace.root, inputs={"password": PASSWORD})
    trace.run_end()
    return trace.write(directory / "run.jsonl")


def what_is_at(path: Path) -> tuple[int, int, str | None]:
    found = path.lstat()
    return stat.S_IFMT(found.st_mode), found.st_uid, os.readlink(path) if stat.S_ISLNK(found.st_mode) else None


def redacted(path: Path) -> None:
    with bounded():
        result = CliRunner().invoke(cli, ["redact", str(path)], catch_exceptions=False)
    assert (result.exit_code, result.stdout, result.stderr) == (0, f"{path}: redacted 1 event\n", "")
    assert PASSWORD.encode() not in path.read_bytes()


@pytest.mark.parametrize("name", STALE_NAMES, ids=["ours", "mkstemp"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_what_is_at_a_stale_temporarys_name_is_left_and_the_run_redacted(layout, name, tmp_path, victim):
    path = secret_run(tmp_path / "traces")
    planted = path.with_name(name)
    plant(layout, planted, victim)
    os.utime(planted, (0, 0), follow_symlinks=False)  # long abandoned, were it a temporary
    before = what_is_at(planted)
    redacted(path)
    assert what_is_at(planted) == before
    assert sorted(os.listdir(path.parent)) == sorted([path.name, name])
    victim.assert_untouched()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_what_is_at_the_offset_index_is_left_and_the_run_redacted(layout, tmp_path, victim):
    path = secret_run(tmp_path / "traces")
    sidecar = path.with_name(path.name + ".idx")
    plant(layout, sidecar, victim)
    before = what_is_at(sidecar)
    redacted(path)
    assert what_is_at(sidecar) == before
    victim.assert_untouched()


def test_an_abandoned_temporary_of_ours_and_our_offset_index_are_removed(tmp_path):
    path = secret_run(tmp_path / "traces")
    for name in (*STALE_NAMES, "run.jsonl.idx"):
        path.with_name(name).write_bytes(b"half a copy")
        os.utime(path.with_name(name), (0, 0))
    redacted(path)
    assert os.listdir(path.parent) == [path.name]


def test_a_directory_redact_cannot_write_in_is_one_line_and_the_file_stays(tmp_path):
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("root without setpriv: the modes cannot stop this process")
    path = secret_run(tmp_path / "traces")
    before = path.read_bytes()
    path.parent.chmod(0o555)
    try:
        done = subprocess.run([*prefix, sys.executable, "-m", "namel3ss_debug", "redact", str(path)],
                              capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    finally:
        path.parent.chmod(0o755)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f"namel3ss-debug: error: {path.parent}: cannot rewrite the run's files: Permission denied "
                           "(redact writes each new file beside the old one: the directory must be writable)\n")
    assert path.read_bytes() == before and os.listdir(path.parent) == [path.name]
