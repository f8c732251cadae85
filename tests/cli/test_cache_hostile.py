"""The result cache at a stranger's layout (support/hostile.py): at the results directory, at an entry's name and
at a temporary's name, each layout ends (a subprocess timeout is the hang guard) with the cache off and one
warning line, or a miss that is read again, and leaves the victim's files as they were. `analyze`, `diagnose`
and `redact` (whose purge removed every file there "whose header cannot be read") run as a user runs them;
a directory without write permission is felt by an unprivileged run only (`support.privileges`)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from support.hostile import LAYOUTS, Victim, plant, plant_directory_layout
from support.privileges import unprivileged
from support.tracefactory import one_llm_call

pytestmark = pytest.mark.usefixtures("isolated_workspace")

COMMANDS = (("analyze",), ("diagnose",), ("redact",))
GUARD_S = 120  # a hang guard, not a budget: each command takes well under a second


def command(tmp_path: Path, *args: str, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("NAMEL3SS_DEBUG_")}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), NO_COLOR="1", COLUMNS="120")
    return subprocess.run([*(prefix or []), sys.executable, "-m", "namel3ss_debug", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=GUARD_S)


def results(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "namel3ss-debug" / "results"


def prefix_for(layout: str) -> list[str]:
    if layout != "readonly_dir":
        return []
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("root without setpriv")
    return prefix


def each_command(tmp_path: Path, run: Path, layout: str) -> list[str]:
    """analyze, diagnose and redact of `run`: each ends (exit 0); what they said on stderr, line by line."""
    said = []
    for args in COMMANDS:
        done = command(tmp_path, *args, str(run), prefix=prefix_for(layout))
        assert done.returncode == 0, (args, done.stderr)
        said += [line for line in done.stderr.splitlines() if line]
    return said


def kept_key(tmp_path: Path, run: Path) -> str:
    """The name of the entry analyze keeps for `run` (made once, then removed: the test plants at its name)."""
    assert command(tmp_path, "analyze", str(run)).returncode == 0
    (entry,) = [name for name in os.listdir(results(tmp_path)) if len(name) == 40]
    return entry


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_hostile_results_directory_turns_the_cache_off_with_one_line_and_touches_nothing(tmp_path, layout):
    victim = Victim.made(tmp_path / "victim")
    run = one_llm_call(tmp_path / "run.jsonl")
    plant_directory_layout(layout, results(tmp_path), victim)
    said = each_command(tmp_path, run, layout)
    victim.assert_untouched()
    if layout == "readonly_dir":  # a directory of ours with the wrong mode: made private again, and used
        assert said == [] and stat.S_IMODE(results(tmp_path).stat().st_mode) == 0o700
        return
    why = {"link_to_file": "is a symbolic link", "link_to_foreign_dir": "is a symbolic link",
           "fifo": "is not a directory", "device": "is not a directory",
           "foreign_file": "belongs to another user (uid 65534)"}[layout]
    if layout == "device" and results(tmp_path).is_symlink():  # not root: a link to /dev/zero
        why = "is a symbolic link"
    line = f"namel3ss-debug: warning: the result cache is off for this command: {results(tmp_path)}: {why} ("
    assert len(said) == len(COMMANDS) and all(text.startswith(line) for text in said), said


def test_a_results_link_to_a_folder_of_300_entry_shaped_files_keeps_all_300(tmp_path):
    """The reported case: `results` a link to a folder of 300 files (named as entries are, the strongest case),
    then diagnose and redact: 300 files remain, each as it was."""
    folder = tmp_path / "someone"
    victim = Victim(folder)
    folder.mkdir()
    for number in range(300):
        (folder / f"{number:040x}").write_bytes(f"not a result {number}\n".encode())
    victim.before = victim.state()
    run = one_llm_call(tmp_path / "run.jsonl")
    results(tmp_path).parent.mkdir(parents=True)
    results(tmp_path).symlink_to(folder, target_is_directory=True)
    for args in (("diagnose",), ("redact",)):
        assert command(tmp_path, *args, str(run)).returncode == 0
    assert len(os.listdir(folder)) == 300
    victim.assert_untouched()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_hostile_layout_at_an_entrys_name_is_a_miss_and_is_never_followed(tmp_path, layout):
    """At the very name analyze's entry has: read past (never waited on), replaced by a result of ours where
    it can be (a directory stays), and only a regular file of ours removed by redact."""
    victim = Victim.made(tmp_path / "victim")
    run = one_llm_call(tmp_path / "run.jsonl")
    key = kept_key(tmp_path, run)
    os.unlink(results(tmp_path) / key)
    plant(layout, results(tmp_path) / key, victim)
    said = each_command(tmp_path, run, layout)
    assert said == []
    victim.assert_untouched()
    if layout == "readonly_dir":
        assert (results(tmp_path) / key).is_dir()
    else:  # replaced by analyze's result, which redact then removed as read from the run it rewrote
        assert not os.path.lexists(results(tmp_path) / key)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_hostile_layout_at_a_temporarys_name_is_left_as_it_is(tmp_path, layout):
    """An abandoned temporary (this version's `.KEY.RANDOM.tmp`, an earlier one's `.KEY.XXXXXXXX.tmp`) is swept
    by the next write and by redact's purge, but only a regular file of ours: a link, a FIFO, a device, a
    directory or another user's file at such a name stays, and is not read."""
    victim = Victim.made(tmp_path / "victim")
    run = one_llm_call(tmp_path / "run.jsonl")
    key = kept_key(tmp_path, run)
    os.unlink(results(tmp_path) / key)
    temporaries = [results(tmp_path) / f".{key}.0123456789abcdef.tmp", results(tmp_path) / f".{key}.k3j9x_2q.tmp"]
    for temporary in temporaries:
        plant(layout, temporary, victim)
        os.utime(temporary, (0, 0), follow_symlinks=False)  # old: abandoned, were it ours
    said = each_command(tmp_path, run, layout)
    assert said == []
    victim.assert_untouched()
    assert all(os.path.lexists(temporary) for temporary in temporaries)


def test_an_abandoned_temporary_of_ours_is_swept_and_a_dangling_link_does_not_stop_the_pruning(tmp_path):
    run = one_llm_call(tmp_path / "run.jsonl")
    key = kept_key(tmp_path, run)
    left = results(tmp_path) / f".{key}.0123456789abcdef.tmp"
    left.write_bytes(b"half a result")
    os.utime(left, (0, 0))
    (results(tmp_path) / ("f" * 40)).symlink_to(tmp_path / "nowhere")
    for number in range(205):  # past KEEP: the oldest go
        entry = results(tmp_path) / f"{number:040x}"
        entry.write_bytes(b"an old entry")
        os.utime(entry, (number + 1, number + 1))
    other = one_llm_call(tmp_path / "other.jsonl", "20261122-120000-abcdef")
    assert command(tmp_path, "analyze", str(other)).returncode == 0
    names = os.listdir(results(tmp_path))
    assert left.name not in names and ("f" * 40) in names
    assert len([name for name in names if len(name) == 40 and name != "f" * 40]) == 200
