"""A replayed run's timeline kept in the result cache comes back as the very timeline a first read makes; a
run that changed is read again, and a damaged entry is read past."""

from __future__ import annotations

import gzip
import os
import random
from array import array
from pathlib import Path

import msgspec
import orjson
import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.replay import load_run
from namel3ss_debug.ops.traces import make_reader
from namel3ss_debug.recording.kept import KeptTimeline, kept, restored
from namel3ss_debug.recording.timeline import Timeline
from namel3ss_debug.store.sources import RunSource

ARRAYS = ("seq", "kind", "type_code", "component_code", "name_code", "status_code", "depth", "span", "call",
          "duration", "span_parent", "span_start", "span_end")


def env_for(tmp_path: Path, warnings: list[str] | None = None) -> Environment:
    return Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path,
                       warn=(warnings.append if warnings is not None else lambda message: None))


def random_run(path: Path, seed: int) -> Path:
    """Nested agents, LLM and tool calls, instants, a second run in the same file, and seqs out of order."""
    rng = random.Random(seed)
    trace = TraceBuilder("20261122-100000-abcdef")
    trace.run_start()
    agent = trace.start("agent", "researcher", kind="agent_execution")
    for _ in range(rng.randrange(3, 40)):
        choice = rng.random()
        if choice < 0.4:
            trace.span("llm", rng.choice(("plan", "write")), rng.uniform(1, 500), agent, model="gpt-4o")
        elif choice < 0.8:
            trace.span("tool", "search", rng.uniform(1, 50), agent, status=rng.choice(("completed", "failed")))
        else:
            trace.instant("memory_write", "memory", "note", agent)
    if rng.random() < 0.5:
        trace.start("tool", "unclosed", agent)
    trace.end(agent, 1)
    trace.run_end()
    lines = [dict(event) for event in trace.events]
    if rng.random() < 0.5:
        lines[2], lines[3] = lines[3], lines[2]
    if rng.random() < 0.5:
        other = dict(lines[0], run_id="20261122-110000-fedcba")
        lines.append(other)
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


def load(path: Path, env: Environment, cache: bool = True) -> Timeline:
    return load_run(RunSource(str(path), (str(path),)), make_reader(False, env), env, None, cache)


def cached_files(tmp_path: Path) -> list[Path]:
    directory = tmp_path / "cache" / "namel3ss-debug" / "results"
    return sorted(directory.iterdir()) if directory.is_dir() else []


def described(timeline: Timeline) -> dict:
    """Everything the engine reads of a timeline, and every event read back from the file."""
    store = timeline.store
    return {"arrays": {name: list(getattr(timeline, name)) for name in ARRAYS},
            "names": [list(table.texts) for table in (timeline.types, timeline.components, timeline.names,
                                                        timeline.statuses)],
            "calls": sorted(timeline.calls.items()), "other_runs": dict(timeline.other_runs), "run_id": timeline.run_id,
            "sorted": timeline._sorted, "label": timeline.label,
            "places": [store.where(index) for index in range(len(timeline))],
            "events": [timeline.event(index) for index in range(len(timeline))]}


def same(one: dict, other: dict) -> bool:
    """Equal, NaN durations too (NaN != NaN: orjson writes both as null)."""
    return orjson.dumps(one) == orjson.dumps(other)


@pytest.mark.parametrize("seed", range(12))
def test_a_kept_timeline_is_the_timeline_a_first_read_makes(tmp_path, seed) -> None:
    path = random_run(tmp_path / "run.jsonl", seed)
    first = described(load(path, env_for(tmp_path)))
    assert len(cached_files(tmp_path)) == 1
    again = load(path, env_for(tmp_path))
    assert same(described(again), first)
    assert same(described(load(path, env_for(tmp_path), cache=False)), first)
    assert again.store.seq is again.seq  # a line read again is checked against its seq


def test_a_kept_timelines_arrays_are_read_in_place_from_the_cache_files_bytes(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 2)
    load(path, env_for(tmp_path))
    data = cached_files(tmp_path)[0].read_bytes()
    body = memoryview(data)[4 + int.from_bytes(data[:4], "little"):-4]  # past the header, before the CRC
    views = [view for _, view in msgspec.msgpack.decode(body, type=KeptTimeline).arrays.values()]
    assert views and all(isinstance(view, memoryview) and view.obj is data for view in views)


def test_the_other_runs_warning_is_given_from_the_cache_too(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 0)
    with path.open("ab") as out:
        out.write(orjson.dumps(dict(orjson.loads(path.read_bytes().splitlines()[0]), run_id="other-run")) + b"\n")
    said: list[str] = []
    load(path, env_for(tmp_path, said))
    load(path, env_for(tmp_path, said))
    assert len(said) == 2 and said[0] == said[1] and "other-run" in said[0]


def test_a_run_that_grew_is_read_again(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 3)
    before = load(path, env_for(tmp_path))
    lines = path.read_bytes().splitlines(keepends=True)
    extra = dict(orjson.loads(lines[1]), seq=10_000, span_id="00000000000000ff", name="late", event_type="mark",
                 status="completed")
    path.write_bytes(b"".join(lines) + orjson.dumps(extra) + b"\n")
    after = load(path, env_for(tmp_path))
    assert len(after) == len(before) + 1 and same(described(after), described(load(path, env_for(tmp_path), False)))


def test_a_run_rewritten_with_the_same_size_and_time_is_read_again(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 4)
    status = path.stat()
    load(path, env_for(tmp_path))
    text = path.read_bytes()
    path.write_bytes(text.replace(b'"search"', b'"lookup"'))  # the same length
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert "lookup" in load(path, env_for(tmp_path)).names.texts


def test_no_cache_reads_the_run_and_keeps_nothing(tmp_path) -> None:
    load(random_run(tmp_path / "run.jsonl", 5), env_for(tmp_path), cache=False)
    assert cached_files(tmp_path) == []


def test_a_damaged_entry_is_read_past(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 6)
    first = described(load(path, env_for(tmp_path)))
    entry = cached_files(tmp_path)[0]
    entry.write_bytes(entry.read_bytes()[:-10])
    assert same(described(load(path, env_for(tmp_path))), first)


def writable(typecode: str, data: memoryview) -> array:
    """A kept column as an array to damage (not array(typecode, view): that reads a view's bytes as items)."""
    values = array(typecode)
    values.frombytes(data)
    return values


def kept_of(tmp_path: Path) -> tuple[KeptTimeline, Path]:
    path = random_run(tmp_path / "run.jsonl", 7)
    timeline = load(path, env_for(tmp_path), cache=False)
    return msgspec.msgpack.decode(msgspec.msgpack.encode(kept(timeline)), type=KeptTimeline), path


@pytest.mark.parametrize("damage", ["short array", "cut bytes", "code past its names", "span past the spans",
                                    "bad typecode", "file past the files"])
def test_an_entry_that_is_not_whole_is_not_used(tmp_path, damage) -> None:
    kept_timeline, path = kept_of(tmp_path)
    arrays = dict(kept_timeline.arrays)
    typecode, data = arrays["seq"]
    if damage == "short array":
        arrays["seq"] = (typecode, data[: -array(typecode).itemsize])
    elif damage == "cut bytes":
        arrays["seq"] = (typecode, data[:-1])
    elif damage == "code past its names":
        codes = writable(*arrays["type_code"])
        codes[0] = len(kept_timeline.names["types"])
        arrays["type_code"] = (codes.typecode, codes.tobytes())
    elif damage == "span past the spans":
        spans = writable(*arrays["span"])
        spans[0] = 10**6
        arrays["span"] = (spans.typecode, spans.tobytes())
    elif damage == "bad typecode":
        arrays["seq"] = ("z", data)
    else:
        files = writable(*arrays["file"])
        files[0] = 1
        arrays["file"] = (files.typecode, files.tobytes())
    damaged = msgspec.structs.replace(kept_timeline, arrays=arrays)
    assert restored(damaged, (str(path),), str(path)) is None
    assert restored(kept_timeline, (str(path),), str(path)) is not None


def test_a_run_held_in_memory_is_not_kept(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 8)
    gz = tmp_path / "run.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    timeline = load(gz, env_for(tmp_path))
    assert kept(timeline) is None and cached_files(tmp_path) == []
