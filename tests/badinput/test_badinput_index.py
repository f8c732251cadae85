"""Crafted indexes, trusted by nothing that reads them.

A crafted `.idx` sidecar beside a trace (the per-file offset index `inspect --event N` seeks through): it
claims the file's size and mtime, so it is not stale, and lies in what it holds. `inspect TRACE --event N`
gives the right event, with a one-line notice that the index was ignored and rebuilt, or a clean error;
never a traceback and never a wrong "no event".

A planted run index, `DIR/.namel3ss-runs.sqlite`, as a stranger's directory of traces can hold one (a tarball
and a clone keep symbolic links): `runs DIR` and `view DIR`, run as subprocesses, never write through a link or
to another user's file, never run a trigger or read a row's files outside DIR, list only what the traces hold,
say what they found in one note and end in seconds, without a traceback."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import msgspec
import pytest
from drivers import ProcessGate, free_port
from harness import Bounds, Outcome, invoke, spawn
from judge import assert_sound
from support.hostile import LAYOUTS, Victim, plant
from support.privileges import unprivileged
from runs.generate import write_runs
from support.tracefactory import many_llm_calls

from namel3ss_debug.analysis.run_row import RunRow
from namel3ss_debug.ops.runs.index import INDEX_NAME
from namel3ss_debug.store.index import index_path, load_index

Body = dict[str, Any]
Indexed = tuple[Path, Body, os.stat_result]  # a run's path, its index's body, the run's stat


def _entries(body: Body, change: Callable[[list[int]], list[int]]) -> Body:
    return dict(body, entries=[change(list(entry)) for entry in body["entries"]])


def _middle(body: Body) -> int:
    return body["entries"][len(body["entries"]) // 2][0]


# name -> (what the sidecar is made, the seq asked for: None for one near the middle of the file)
CRAFTED: dict[str, tuple[Callable[[Body], Body | bytes], int | None]] = {
    "offsets past the end": (lambda b: _entries(b, lambda e: [e[0], e[1], e[2] + 10 ** 12]), None),
    "negative offsets": (lambda b: _entries(b, lambda e: [e[0], e[1], -e[2] - 1]), None),
    "offsets in the middle of lines": (lambda b: _entries(b, lambda e: [e[0], e[1], e[2] + 7]), None),
    "each entry a line late": (lambda b: dict(b, entries=[[s, line, off] for (s, _, _), (_, line, off)
                                                          in zip(b["entries"], b["entries"][1:])]), None),
    "seqs shifted": (lambda b: _entries(b, lambda e: [e[0] + 3, e[1], e[2]]), None),
    "seqs going down": (lambda b: dict(b, entries=b["entries"][::-1]), None),
    "line numbers past the offsets": (lambda b: _entries(b, lambda e: [e[0], e[1] * 1000 + 5, e[2]]), None),
    "last seq short of the file's": (lambda b: dict(b, last_seq=b["entries"][-1][0]), 6001),
    "last seq far short": (lambda b: dict(b, last_seq=4000), 5000),
    "first seq past the file's": (lambda b: dict(b, first_seq=100), 5),
    "a wrong count": (lambda b: dict(b, first_seq=0, last_seq=10 ** 6), 6001),
    "seqs as strings": (lambda b: dict(b, first_seq="0", last_seq="6001"), 5000),
    "seqs as floats": (lambda b: _entries(b, lambda e: [e[0] + 0.5, e[1], e[2]]), None),
    "booleans": (lambda b: dict(b, first_seq=False, last_seq=True), 1),
    "entries not lists": (lambda b: dict(b, entries={"a": 1}), 5000),
    "entries of two numbers": (lambda b: _entries(b, lambda e: e[:2]), None),
    "no entries": (lambda b: dict(b, entries=[]), 5000),
    "a list, not an object": (lambda b: json.dumps([b]).encode(), 5000),
    "truncated": (lambda b: json.dumps(b).encode()[:300], 5000),
    "garbage": (lambda b: b"\x00\xff\xfe not an index", 5000),
}


@pytest.fixture(scope="module")
def indexed_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run past 1 MiB and the index a full read wrote beside it, made once for the module's tests to copy."""
    path = many_llm_calls(3000).write(tmp_path_factory.mktemp("indexed") / "big.jsonl")
    assert invoke(["inspect", str(path), "--format", "json"]).exit_code == 0
    assert index_path(str(path)).is_file()
    return path


@pytest.fixture
def indexed(workspace: Path, indexed_once: Path) -> Indexed:
    """The run and its index copied into the case's directory (the run's mtime kept, as the index claims it):
    the run's path, the index's body, the run's stat."""
    path = Path(shutil.copy2(indexed_once, workspace / "big.jsonl"))
    shutil.copy2(index_path(str(indexed_once)), index_path(str(path)))
    return path, json.loads(index_path(str(path)).read_bytes()), path.stat()


def _plant(path: Path, sidecar: Body | bytes, stat: os.stat_result) -> None:
    index_path(str(path)).write_bytes(sidecar if isinstance(sidecar, bytes) else json.dumps(sidecar).encode())
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the trace's mtime, as the sidecar claims


@pytest.mark.parametrize("name", CRAFTED)
def test_a_crafted_index_never_gives_a_wrong_event_or_a_wrong_no_event(indexed: Indexed, name: str) -> None:
    path, body, stat = indexed
    craft, seq = CRAFTED[name]
    seq = _middle(body) + 1 if seq is None else seq
    _plant(path, craft(body), stat)
    outcome = invoke(["inspect", "big.jsonl", "--event", str(seq), "--format", "json"])
    assert_sound(outcome)
    assert outcome.exit_code == 0, outcome.summary()
    shown = json.loads(outcome.stdout)
    lines = path.read_bytes().splitlines()
    assert [event["seq"] for event in shown["events"]] == [seq]
    assert json.loads(lines[seq]) == shown["events"][0] and shown["where"] == [f"big.jsonl:{seq + 1}"]
    assert outcome.stderr.count("\n") <= 1  # at most the one notice


def test_a_wrong_index_is_said_once_and_rebuilt(indexed: Indexed) -> None:
    path, body, stat = indexed
    _plant(path, dict(body, last_seq=4000), stat)
    outcome = invoke(["inspect", "big.jsonl", "--event", "5000"])
    assert outcome.exit_code == 0, outcome.summary()
    assert "big.jsonl.idx: the offset index does not match big.jsonl" in outcome.stderr
    assert "ignored, and rebuilt" in outcome.stderr
    rebuilt = load_index(str(path))
    assert rebuilt is not None and rebuilt.last_seq == 6001
    again = invoke(["inspect", "big.jsonl", "--event", "5000"])
    assert again.exit_code == 0 and again.stderr == ""


def test_an_event_that_is_not_there_is_still_said_so(indexed: Indexed) -> None:
    path, body, stat = indexed
    _plant(path, dict(body, last_seq=10 ** 6), stat)
    outcome = invoke(["inspect", "big.jsonl", "--event", "7000"])
    assert_sound(outcome)
    assert outcome.exit_code != 0 and "7000" in outcome.stderr and "0..6001" in outcome.stderr


@pytest.mark.parametrize("change", ["grown", "rewritten"])
def test_an_index_of_the_file_as_it_was_is_not_believed(indexed: Indexed, change: str) -> None:
    """Grown: the size differs, so the index is stale. Rewritten: the same size and mtime, other lines."""
    path, body, stat = indexed
    sidecar = index_path(str(path)).read_bytes()
    data = path.read_bytes()
    if change == "grown":
        path.write_bytes(b"\n" * 5000 + data)
    else:
        lines = data.splitlines(keepends=True)
        head = lines[:1] + lines[2:2000]  # a line gone from the start: every later line 1 earlier
        path.write_bytes(b"".join(head + [lines[1]] + lines[2000:]))
    _plant(path, sidecar, stat)
    seq = body["entries"][len(body["entries"]) // 6][0] + 1  # among the lines moved
    outcome = invoke(["inspect", "big.jsonl", "--event", str(seq), "--format", "json"])
    assert_sound(outcome)
    events = json.loads(outcome.stdout)["events"]
    assert [event["seq"] for event in events] == [seq]


SIDECAR_BOUNDS = Bounds(seconds=30, mib=300)  # each command takes 1-2 s and 70-90 MiB of a 1.5 MB trace


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("command", [["analyze", "big.jsonl"], ["inspect", "big.jsonl", "--event", "5000"]],
                         ids=["analyze", "inspect"])
def test_whatever_is_at_the_sidecars_name_the_command_ends_in_bounds_and_the_victim_is_untouched(
        workspace: Path, indexed_once: Path, layout: str, command: list[str]) -> None:
    """A link (to a file, to another user's folder), a FIFO, a device (/dev/zero grew analyze to 8.7 GB), another
    user's file or a directory at `big.jsonl.idx`: read no further than an index of the trace can be, never
    waited on, never written through; at most one line says so."""
    shutil.copyfile(indexed_once, workspace / "big.jsonl")  # the run alone, no index beside it
    victim = Victim.made(workspace / "victim", files=20)
    plant(layout, workspace / "big.jsonl.idx", victim)
    outcome = spawn(command, cwd=workspace, bounds=SIDECAR_BOUNDS)
    assert_sound(outcome)
    assert outcome.exit_code == 0, outcome.summary()
    assert len(warnings(outcome)) <= 1, outcome.summary()
    victim.assert_untouched()


# -- the run index of a directory ---------------------------------------------------------------------------

RUNS = 3
INDEX_BOUNDS = Bounds(seconds=20)  # a hang guard: each command takes about a second


@pytest.fixture
def traces(workspace: Path) -> list[str]:
    """Three runs in `traces/`, no index yet: their ids."""
    return write_runs(workspace / "traces", RUNS, seed=76)


def listed(workspace: Path, *extra: str) -> Outcome:
    """`runs traces --format json`, judged sound: its outcome."""
    outcome = spawn(["runs", "traces", "--format", "json", *extra], cwd=workspace, bounds=INDEX_BOUNDS)
    assert_sound(outcome)
    return outcome


def listed_ids(outcome: Outcome) -> list[str]:
    assert outcome.exit_code == 0, outcome.summary()
    return sorted(row["run_id"] for row in json.loads(outcome.stdout)["runs"])


def warnings(outcome: Outcome) -> list[str]:
    return [line for line in outcome.stderr.splitlines() if line.startswith("namel3ss-debug: warning:")]


def built(workspace: Path) -> Path:
    """The index `runs` builds of `traces/`, closed (its write-ahead log folded in): its path."""
    listed(workspace)
    index = workspace / "traces" / INDEX_NAME
    with sqlite3.connect(index) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return index


def another_programs_database(path: Path) -> bytes:
    """A database of another program, with tables of the index's names (`meta (name, value)`, `runs`): its bytes."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value)")
        connection.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, what TEXT)")
        connection.executemany("INSERT INTO runs (what) VALUES (?)", [(f"job {n}",) for n in range(100)])
    connection.close()
    return path.read_bytes()


def test_a_link_to_another_programs_database_leaves_it_untouched(workspace: Path, traces: list[str]) -> None:
    other = workspace / "other.sqlite"
    before = another_programs_database(other)
    (workspace / "traces" / INDEX_NAME).symlink_to(other)
    outcome = listed(workspace)
    assert listed_ids(outcome) == sorted(traces)
    assert other.read_bytes() == before and sorted(path.name for path in workspace.glob("other*")) == [other.name]
    (note,) = warnings(outcome)
    assert "is not opened (it is a symbolic link" in note and "indexed in memory" in note
    assert (workspace / "traces" / INDEX_NAME).is_symlink()


def test_a_dangling_link_makes_nothing_at_its_target(workspace: Path, traces: list[str]) -> None:
    (workspace / "traces" / INDEX_NAME).symlink_to(workspace / "nowhere" / "made.sqlite")
    (workspace / "nowhere").mkdir()
    outcome = listed(workspace)
    assert listed_ids(outcome) == sorted(traces)
    assert list((workspace / "nowhere").iterdir()) == []
    (note,) = warnings(outcome)
    assert "symbolic link" in note


@pytest.mark.parametrize("kind", ["fifo", "directory", "another user's"])
def test_an_index_that_is_not_our_regular_file_is_left_as_it_is(workspace: Path, traces: list[str],
                                                                  kind: str) -> None:
    index = workspace / "traces" / INDEX_NAME
    if kind == "fifo":
        os.mkfifo(index)
    elif kind == "directory":
        index.mkdir()
    else:
        index = built(workspace)
        os.chown(index, 65534, 65534)  # the tests run as root (CI); as another user chown fails: skip
    before = index.read_bytes() if kind == "another user's" else None
    outcome = listed(workspace)
    assert listed_ids(outcome) == sorted(traces)
    (note,) = warnings(outcome)
    assert ("belongs to another user" if before is not None else "is not a regular file") in note
    assert before is None or index.read_bytes() == before


# the side files' 18 cases each build an index first (a subprocess): slow, run by CI; the index's own name stays fast
SIDE_FILES = [pytest.param(side, marks=pytest.mark.slow) for side in ("-wal", "-shm", "-journal")]


@pytest.mark.parametrize("suffix", ["", *SIDE_FILES])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_whatever_is_at_the_index_or_a_side_files_name_is_left_and_the_runs_listed(
        workspace: Path, traces: list[str], layout: str, suffix: str) -> None:
    """Each layout of the kit at the index's name (none made yet) or at a file SQLite opens by name beside an index
    of ours (a FIFO at `-journal`, read back as a hot journal, hung `runs`; another user's file there was removed):
    one note, the runs listed in memory, what was planted left, the victim's files as they were."""
    at = workspace / "traces" / f"{INDEX_NAME}{suffix}"
    if suffix:
        built(workspace)
        at.unlink(missing_ok=True)
    victim = Victim.made(workspace / "victim", files=20)
    plant(layout, at, victim)
    planted = at.lstat()
    outcome = listed(workspace)
    assert listed_ids(outcome) == sorted(traces)
    (note,) = warnings(outcome)
    what = "it" if not suffix else f"{at.name} beside it"
    assert f"is not opened ({what} " in note and note.endswith("the runs are indexed in memory for this command")
    assert (at.lstat().st_mode, at.lstat().st_ino, at.lstat().st_uid) == (planted.st_mode, planted.st_ino,
                                                                          planted.st_uid)
    victim.assert_untouched()


TRIGGERS = {
    # each row written loops for ever
    "loops": "CREATE TRIGGER spin AFTER INSERT ON runs BEGIN SELECT count(*) FROM (WITH RECURSIVE c(x) AS"
             " (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c); END",
    # each row written adds 100 MB to the file
    "grows": "CREATE TRIGGER grow AFTER INSERT ON runs BEGIN INSERT INTO meta VALUES (random(),"
             " zeroblob(100000000)); END",
}


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_a_planted_trigger_never_runs(workspace: Path, traces: list[str], trigger: str) -> None:
    index = built(workspace)
    with sqlite3.connect(index) as connection:  # the key and format are right: only the schema is not ours
        connection.execute("DELETE FROM files")  # every run read again, so every row written again
        connection.execute(TRIGGERS[trigger])
    connection.close()
    outcome = listed(workspace)
    assert listed_ids(outcome) == sorted(traces)
    (note,) = warnings(outcome)
    assert f"trigger {'spin' if trigger == 'loops' else 'grow'!r} is not the index's" in note
    assert "rebuilt from the traces" in note
    assert index.stat().st_size < 1 << 20
    with sqlite3.connect(index) as connection:
        assert connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall() == []
    connection.close()


def _planted_row(index: Path, **changes: Any) -> str:
    """The first run's row in the index changed as `changes` say (its files' identities kept, so that the sync
    finds them as it left them): that run's key."""
    with sqlite3.connect(index) as connection:
        source, blob = connection.execute("SELECT source, row FROM runs ORDER BY source LIMIT 1").fetchone()
        row = msgspec.structs.replace(msgspec.msgpack.decode(blob, type=RunRow), **changes)
        connection.execute("UPDATE runs SET row = ? WHERE source = ?", (msgspec.msgpack.encode(row), source))
    connection.close()
    return source


def _outside_trace(workspace: Path, traces: list[str]) -> Path:
    """A trace outside `traces/` that would read as a run: a copy of the first one, its run id marked."""
    run_id = sorted(traces)[0]
    first = next((workspace / "traces").glob(f"{run_id}.*.jsonl"))
    outside = workspace / "outside" / "elsewhere.jsonl"
    outside.parent.mkdir()
    outside.write_bytes(first.read_bytes().replace(run_id.encode(), b"OUTSIDE-CANARY"))
    return outside


def test_a_row_naming_files_outside_the_directory_is_read_again(workspace: Path, traces: list[str]) -> None:
    index = built(workspace)
    _outside_trace(workspace, traces)
    _planted_row(index, files=["../outside/elsewhere.jsonl", "../../../../../etc/passwd"], input="PLANTED-TEXT")
    outcome = listed(workspace)
    assert listed_ids(outcome) == sorted(traces)
    rows = json.loads(outcome.stdout)["runs"]
    assert "PLANTED" not in outcome.stdout and all(Path(row["files"][0]).parent.name == "traces" for row in rows)
    (note,) = warnings(outcome)
    assert "names the file '../outside/elsewhere.jsonl', not one in the directory" in note
    assert "read again from the traces" in note
    assert warnings(listed(workspace)) == []  # read again: the next listing is clean


@pytest.mark.parametrize("damage", ["not msgpack", "another struct", "over the cap", "text"])
def test_a_damaged_row_is_one_note_and_read_again(workspace: Path, traces: list[str], damage: str) -> None:
    index = built(workspace)
    value = {"not msgpack": "X'c1c1c1'", "another struct": "X'93010203'", "over the cap": "zeroblob(5000000)",
             "text": "'a row'"}[damage]
    with sqlite3.connect(index) as connection:
        connection.execute(f"UPDATE runs SET row = {value} WHERE source = (SELECT min(source) FROM runs)")
    connection.close()
    outcome = listed(workspace)
    assert listed_ids(outcome) == sorted(traces)
    (note,) = warnings(outcome)
    assert "damaged" in note and "read again from the traces" in note
    again = listed(workspace)
    assert listed_ids(again) == sorted(traces) and warnings(again) == []


def test_a_row_no_trace_holds_is_not_listed(workspace: Path, traces: list[str]) -> None:
    index = built(workspace)
    with sqlite3.connect(index) as connection:  # a run of no file: a copy of a row under another key and id
        connection.execute("INSERT INTO runs SELECT 'ghost', 'ghost-run', entry, started, duration_ms, status,"
                           " health, llm_calls, total_tokens, cost_usd, errors, findings, parent, models, tags,"
                           " finding_kinds, search, problems, row FROM runs LIMIT 1")
    connection.close()
    _planted_row(index, input="PLANTED-TEXT")  # and a row edited in place, its files untouched
    outcome = listed(workspace)
    assert "ghost" not in outcome.stdout and listed_ids(outcome) == sorted(traces)


def test_a_thousand_tags_are_a_usage_error_naming_the_option(workspace: Path, traces: list[str]) -> None:
    outcome = spawn(["runs", "traces", *["--tag", "t"] * 997], cwd=workspace, bounds=INDEX_BOUNDS)
    assert_sound(outcome)
    assert outcome.exit_code == 2
    assert outcome.stderr.strip() == ("namel3ss-debug: error: --tag given 997 times: at most 100 (filter on fewer "
                                      "values, or list the runs in more than one go)")


def test_a_directory_that_cannot_be_listed_is_named_not_its_index(workspace: Path, traces: list[str]) -> None:
    words = unprivileged()
    if words is None:
        pytest.skip("root without setpriv: the modes cannot stop this process")
    (workspace / "traces").chmod(0o000)
    try:
        outcome = spawn(["runs", "traces"], cwd=workspace, bounds=INDEX_BOUNDS,
                        program=[*words, sys.executable, "-m", "namel3ss_debug", "runs", "traces"])
    finally:
        (workspace / "traces").chmod(0o755)
    assert_sound(outcome)
    assert outcome.exit_code == 3 and outcome.stderr == (
        "namel3ss-debug: error: cannot read traces: Permission denied (check its permissions (ls -ld))\n")


def test_the_index_is_readable_by_its_owner_alone(workspace: Path, traces: list[str]) -> None:
    os.umask(0o022)
    listed(workspace)
    made = sorted((workspace / "traces").glob(INDEX_NAME + "*"))
    assert made and {oct(stat.S_IMODE(path.stat().st_mode)) for path in made} == {"0o600"}


def test_an_index_an_earlier_version_made_readable_is_made_private(workspace: Path, traces: list[str]) -> None:
    index = built(workspace)
    index.chmod(0o644)
    listed(workspace)
    assert stat.S_IMODE(index.stat().st_mode) == 0o600


# -- view DIR over a planted index ---------------------------------------------------------------------------

def _get(port: int, path: str) -> tuple[int | None, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    except (http.client.HTTPException, OSError):
        return None, ""
    finally:
        connection.close()


def _pages(port: int, paths: list[str], got: dict[str, tuple[int | None, str]]) -> Callable[[Any], list[str]]:
    """Waits for `view` to listen on `port`, fetches `paths` into `got`, then presses Ctrl-C."""
    def drive(process: subprocess.Popen) -> list[str]:
        gate, deadline = ProcessGate(process), time.monotonic() + 30
        while gate.open and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        got.update((path, _get(port, path)) for path in paths)
        gate.interrupt()
        return []
    return drive


def test_view_of_a_planted_index_opens_no_file_outside_the_directory(workspace: Path, traces: list[str]) -> None:
    index = built(workspace)
    _outside_trace(workspace, traces)
    source = _planted_row(index, files=["../outside/elsewhere.jsonl"], input="PLANTED-TEXT")
    port, got = free_port(), {}
    outcome = spawn(["view", "--no-browser", "--port", str(port), "traces"], cwd=workspace, bounds=INDEX_BOUNDS,
                    driver=_pages(port, ["/runs.json", f"/run/{source}"], got))
    assert_sound(outcome)
    (listing_status, listing), (page_status, page) = got["/runs.json"], got[f"/run/{source}"]
    assert listing_status == 200 and sorted(row["run_id"] for row in json.loads(listing)["rows"]) == sorted(traces)
    assert page_status == 200 and "OUTSIDE-CANARY" not in page and source in page
    assert "PLANTED" not in listing + page
    assert sum("damaged" in line for line in outcome.stderr.splitlines()) == 1


def test_view_of_an_index_with_a_looping_trigger_serves_the_list(workspace: Path, traces: list[str]) -> None:
    index = built(workspace)
    with sqlite3.connect(index) as connection:
        connection.execute("DELETE FROM files")
        connection.execute(TRIGGERS["loops"])
    connection.close()
    port, got = free_port(), {}
    outcome = spawn(["view", "--no-browser", "--port", str(port), "traces"], cwd=workspace, bounds=INDEX_BOUNDS,
                    driver=_pages(port, ["/runs.json"], got))
    assert_sound(outcome)
    status, listing = got["/runs.json"]
    assert status == 200 and sorted(row["run_id"] for row in json.loads(listing)["rows"]) == sorted(traces)
    assert sum("trigger 'spin' is not the index's" in line for line in outcome.stderr.splitlines()) == 1
