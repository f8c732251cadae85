"""The files the user names as outputs (`report -o`, `export FILE`, `check --junit`) at a stranger's layout
(support/hostile.py), through `model.outputs.write_output`: each command ends (a subprocess timeout is the hang
guard) with the file put in place or one error line (exit 2), and leaves the victim's files as they were.

A link at the name is replaced, never written through; a device is written through (a device does with the
bytes what it does: `/dev/zero` drops them); a FIFO nobody reads, a directory (refused by the option itself,
before the command runs) and another user's file are one line. A directory without write permission is felt by
an unprivileged run only (`support.privileges`)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support.hostile import LAYOUTS, Victim, plant
from support.privileges import unprivileged
from support.tracefactory import one_llm_call

pytestmark = pytest.mark.usefixtures("isolated_workspace")

GUARD_S = 120  # a hang guard, not a budget
OUTPUTS = {
    "report": ("report", "{run}", "-o", "{out}"),
    "export": ("export", "{run}", "--to", "perfetto", "{out}"),
    "check --junit": ("check", "{run}", "--max-errors", "5", "--junit", "{out}"),
}
REFUSED = {"link_to_foreign_dir": "is a directory", "readonly_dir": "is a directory", "fifo": "has no reader",
           "foreign_file": "belongs to another user (uid 65534)"}


def command(tmp_path: Path, args: tuple[str, ...], prefix: list[str] | None = None,
            stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("NAMEL3SS_DEBUG_")}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), NO_COLOR="1", COLUMNS="120")
    return subprocess.run([*(prefix or []), sys.executable, "-m", "namel3ss_debug", *args], cwd=tmp_path, env=env,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=GUARD_S)


def the_args(name: str, run: Path, out: Path | str) -> tuple[str, ...]:
    return tuple(word.format(run=run, out=out) for word in OUTPUTS[name])


def unprivileged_prefix() -> list[str]:
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("root without setpriv")
    return prefix


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("output", OUTPUTS)
def test_an_output_at_each_hostile_layout_is_put_in_place_or_one_line(tmp_path, output, layout):
    victim = Victim.made(tmp_path / "victim")
    run = one_llm_call(tmp_path / "run.jsonl")
    out = tmp_path / "out"
    plant(layout, out, victim)
    done = command(tmp_path, the_args(output, run, out), unprivileged_prefix() if layout == "readonly_dir" else None)
    victim.assert_untouched()
    if layout in REFUSED:
        lines = done.stderr.splitlines()
        assert done.returncode == 2 and len(lines) == 1, done.stderr
        assert lines[0].startswith("namel3ss-debug: error: ") and str(out) in lines[0] and REFUSED[layout] in lines[0]
    else:
        assert done.returncode == 0, done.stderr
    if layout == "link_to_file":
        assert stat.S_ISREG(out.lstat().st_mode) and out.stat().st_size > 0
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []


@pytest.mark.parametrize("output", OUTPUTS)
def test_an_output_in_a_directory_without_write_permission_is_one_line_and_nothing_made(tmp_path, output):
    run = one_llm_call(tmp_path / "run.jsonl")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    locked.chmod(0o555)
    done = command(tmp_path, the_args(output, run, locked / "out"), unprivileged_prefix())
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "Permission denied" in lines[0], done.stderr
    assert os.listdir(locked) == []


@pytest.mark.parametrize("output", ["report", "export"])
def test_an_output_to_dev_stdout_reaches_the_pipe_and_the_file_the_shell_opened(tmp_path, output):
    run = one_llm_call(tmp_path / "run.jsonl")
    piped = command(tmp_path, the_args(output, run, "/dev/stdout"))
    assert piped.returncode == 0 and piped.stdout.lstrip().startswith(("<!", "{", "[")), piped.stderr
    log = tmp_path / "log"
    log.write_text("before\n")
    with open(log, "a") as shell:  # `>> log`: added to, never replaced
        done = command(tmp_path, the_args(output, run, "/dev/stdout"), stdout=shell)
    assert done.returncode == 0, done.stderr
    assert log.read_text().startswith("before\n") and len(log.read_text()) > len("before\n") + 100
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and os.path.islink("/dev/stdout")
