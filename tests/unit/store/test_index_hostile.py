"""The offset index's sidecar (`TRACE.idx`) at a name anyone may have put something at (a tarball or a clone of a
folder of traces keeps links): it is read and written only through `model/fs.py`, so nothing at the name is
followed, waited on or read past what a true index of the trace can hold, its temporaries are at names nobody can
guess, and only a regular file of ours is removed or written over. Each layout of the kit leaves the read going
on and the victim's files as they were. The same through the CLI, with its peak memory, as subprocesses:
tests/badinput/test_badinput_index.py."""

from __future__ import annotations

import os
import stat
import tracemalloc
from pathlib import Path

import pytest
from support.hangguard import bounded
from support.hostile import LAYOUTS, Victim, plant
from support.tracefactory import many_llm_calls

from namel3ss_debug.model.fs import Refused
from namel3ss_debug.store import index as index_module
from namel3ss_debug.store.index import drop_index, index_path, load_index, sidecar_limit
from namel3ss_debug.store.lookup import find_event
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

PLANTED_TEMPORARIES = 3000
# In this process every layout but the device: a read of /dev/zero that a regression let through would take the
# session's memory (the CLI's subprocess tests bound that one).
IN_PROCESS = [layout for layout in LAYOUTS if layout != "device"]


@pytest.fixture
def victim(tmp_path: Path) -> Victim:
    return Victim.made(tmp_path / "victim", files=20)


def big_trace(tmp_path: Path) -> Path:
    (tmp_path / "traces").mkdir(exist_ok=True)
    return many_llm_calls(3000).write(tmp_path / "traces" / "big.jsonl")  # 1.5 MB: past MIN_FILE_BYTES


def read_all(path: Path, problems: ReadProblems | None = None) -> None:
    """A full read, which writes the sidecar where it may."""
    reader = TraceReader(problems or ReadProblems(), index_min_bytes=0)
    for _ in reader.events(RunSource(str(path), (str(path),))):
        pass


def what_is_at(path: Path) -> tuple[int, int, str | None, bytes | None]:
    """The kind, owner, link target and (for a regular file) bytes of what is at `path`, not followed."""
    found = path.lstat()
    target = os.readlink(path) if stat.S_ISLNK(found.st_mode) else None
    data = path.read_bytes() if stat.S_ISREG(found.st_mode) else None
    return stat.S_IFMT(found.st_mode), found.st_uid, target, data


@pytest.mark.parametrize("layout", IN_PROCESS)
def test_what_is_at_the_sidecars_name_is_left_as_it_is_and_the_event_still_found(layout, tmp_path, victim):
    path = big_trace(tmp_path)
    sidecar = index_path(str(path))
    plant(layout, sidecar, victim)
    before, said = what_is_at(sidecar), []
    with bounded():
        read_all(path)
        found = find_event(RunSource(str(path), (str(path),)), 5000,
                           TraceReader(ReadProblems(on_warning=said.append), index_min_bytes=0))
    assert found is not None and found.event["seq"] == 5000
    assert what_is_at(sidecar) == before
    if layout == "foreign_file":  # not an index: no more to say than of a missing one
        assert said == []
    else:
        (line,) = said
        assert line.startswith(f"{sidecar}: the offset index ") and line.endswith(f"ignored, and {path} read in full")
    victim.assert_untouched()


def test_links_planted_at_every_predictable_temporary_name_leave_the_victim_untouched(tmp_path, victim):
    path = big_trace(tmp_path)
    sidecar = index_path(str(path))
    pid = os.getpid()
    planted = [sidecar.with_name(f"{sidecar.name}.{number}.tmp")
               for number in range(max(1, pid - PLANTED_TEMPORARIES // 2), pid + PLANTED_TEMPORARIES // 2)]
    for link in planted:
        link.symlink_to(victim.file)
    read_all(path)
    written = load_index(str(path))
    assert written is not None and written.last_seq == 6001
    assert stat.S_IMODE(sidecar.lstat().st_mode) == 0o600 and not sidecar.is_symlink()
    assert all(link.is_symlink() for link in planted)
    victim.assert_untouched()


def test_a_sidecar_larger_than_any_index_of_its_trace_is_refused_having_read_no_more(tmp_path):
    path = big_trace(tmp_path)
    sidecar = index_path(str(path))
    with sidecar.open("wb") as sparse:  # 64 MiB of nothing, as a link to a huge file or a device would give
        sparse.truncate(64 << 20)
    limit = sidecar_limit(path.stat().st_size)
    tracemalloc.start()
    try:
        with pytest.raises(Refused, match=f"is larger than {limit} bytes"):
            load_index(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * limit + (1 << 20)
    read_all(path)  # ours and regular: written over with a true index
    assert load_index(str(path)) is not None


def test_the_limit_holds_the_largest_index_the_reader_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(index_module, "STRIDE", 256)  # an entry on every line: more than any stride gives
    path = big_trace(tmp_path)
    read_all(path)
    size = index_path(str(path)).stat().st_size
    index = load_index(str(path))
    assert index is not None and len(index.entries) > 3000
    assert size <= sidecar_limit(path.stat().st_size)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_sidecar_found_wrong_is_removed_only_when_it_is_a_regular_file_of_ours(layout, tmp_path, victim):
    path = big_trace(tmp_path)
    sidecar = index_path(str(path))
    plant(layout, sidecar, victim)
    before = what_is_at(sidecar)
    drop_index(str(path))
    assert what_is_at(sidecar) == before
    victim.assert_untouched()


def test_a_sidecar_of_ours_found_wrong_is_removed(tmp_path):
    path = big_trace(tmp_path)
    read_all(path)
    drop_index(str(path))
    assert not index_path(str(path)).exists()
