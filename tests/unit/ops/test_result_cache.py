"""Reading a run again answers from the cache, with the very answer a first read gives; a run that changed
(grew, was rewritten) or that was read with problems is read again, and a damaged cache costs nothing."""

from __future__ import annotations

import os
import random
from dataclasses import replace
from pathlib import Path

import orjson
import pytest
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.diffing.report import DiffReport
from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest, analyze_traces
from namel3ss_debug.ops.cache import ResultCache
from namel3ss_debug.ops.diff import DiffRequest, diff_traces
from namel3ss_debug.ops.diff_sides import Side
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.traces import TraceArgs


def env_for(tmp_path: Path, warnings: list[str] | None = None) -> Environment:
    return Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path,
                       warn=(warnings.append if warnings is not None else lambda message: None))


def random_run(path: Path, seed: int, run_id: str = "20261122-100000-abcdef") -> Path:
    rng = random.Random(seed)
    trace = TraceBuilder(run_id)
    trace.run_start()
    agent = trace.start("agent", "researcher", kind="agent_execution")
    for _ in range(rng.randrange(3, 40)):
        if rng.random() < 0.5:
            trace.span("llm", rng.choice(("plan", "write")), rng.uniform(1, 500), agent, model="gpt-4o",
                       usage={"input_tokens": rng.randrange(1, 5000), "output_tokens": rng.randrange(1, 500)},
                       outputs={"text": rng.choice("abc")})
        else:
            failed = rng.random() < 0.2
            trace.span("tool", "search", rng.uniform(1, 50), agent, inputs={"q": rng.randrange(5)},
                       status="failed" if failed else "completed",
                       error=error("TimeoutError", "late") if failed else None)
    trace.end(agent, 1)
    trace.run_end()
    return trace.write(path)


def analyze(path: Path, env: Environment, **options) -> object:
    return analyze_traces(AnalyzeRequest(TraceArgs((str(path),)), **options), env)


def cached_files(tmp_path: Path) -> list[Path]:
    directory = tmp_path / "cache" / "namel3ss-debug" / "results"
    return sorted(directory.iterdir()) if directory.is_dir() else []


@pytest.mark.parametrize("seed", range(12))
def test_a_second_read_answers_from_the_cache_exactly_as_a_first_read(tmp_path, seed) -> None:
    path = random_run(tmp_path / "run.jsonl", seed)
    first = analyze(path, env_for(tmp_path))
    assert len(cached_files(tmp_path)) == 1
    os.utime(cached_files(tmp_path)[0])  # (touched: it is the file read below)
    again = analyze(path, env_for(tmp_path))
    plain = analyze(path, env_for(tmp_path), cache=False)
    assert again == first == plain


def test_a_run_that_grew_is_read_again(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 1)
    before = analyze(path, env_for(tmp_path))
    trace_lines = path.read_bytes().splitlines(keepends=True)
    extra = orjson.loads(trace_lines[-2])  # one more span before the run's end
    extra.update(seq=len(trace_lines) + 5, span_id="00000000000000ff", event_type="tool_call_end", name="late",
                 status="failed", error=error("ValueError", "bad"))
    path.write_bytes(b"".join(trace_lines) + orjson.dumps(extra) + b"\n")
    after = analyze(path, env_for(tmp_path))
    assert after != before and after == analyze(path, env_for(tmp_path), cache=False)


def test_a_run_rewritten_with_the_same_size_and_time_is_read_again(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 2)
    stat = path.stat()
    analyze(path, env_for(tmp_path))
    path.write_bytes(path.read_bytes().replace(b'"plan"', b'"PLAN"'))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    again = analyze(path, env_for(tmp_path))
    assert again == analyze(path, env_for(tmp_path), cache=False)
    assert "PLAN" in str(again.operations)


def test_another_question_is_another_answer(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 3)
    whole = analyze(path, env_for(tmp_path))
    errors_only = analyze(path, env_for(tmp_path), sections=("errors",))
    assert errors_only.operations is None and whole.operations is not None


def test_a_read_with_problems_is_not_kept_so_its_warnings_are_said_again(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 4)
    path.write_bytes(path.read_bytes() + b'{"v": 1, "torn')
    said: list[str] = []
    analyze(path, env_for(tmp_path, said))
    analyze(path, env_for(tmp_path, said))
    assert cached_files(tmp_path) == [] and len([line for line in said if "incomplete" in line]) == 2


def test_a_damaged_cache_file_is_read_past(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 5)
    first = analyze(path, env_for(tmp_path))
    cached_files(tmp_path)[0].write_bytes(b"\x93not msgpack of a report")
    assert analyze(path, env_for(tmp_path)) == first


def test_a_cache_file_with_any_byte_changed_is_read_past(tmp_path) -> None:
    """Each kept result ends with the CRC-32 of its msgpack: a byte changed inside a column of numbers, which
    msgspec would decode without a word, is caught as well as a broken structure or a changed check."""
    base, new = random_run(tmp_path / "base.jsonl", 3), random_run(tmp_path / "new.jsonl", 4)
    request = DiffRequest(str(base), str(new))
    first = diff_traces(request, env_for(tmp_path))
    cache = ResultCache(cached_files(tmp_path)[0].parent)
    kept = next(entry for entry in cached_files(tmp_path) if cache.get(entry.name, Side) is not None)
    whole = kept.read_bytes()
    assert cache.get(kept.name, Side) is not None
    for place in [*range(0, len(whole), max(1, len(whole) // 97)), len(whole) - 1]:
        kept.write_bytes(whole[:place] + bytes([whole[place] ^ 0x10]) + whole[place + 1:])
        assert cache.get(kept.name, Side) is None, place
    kept.write_bytes(whole[:-1])
    assert cache.get(kept.name, Side) is None
    assert diff_traces(request, env_for(tmp_path)) == first


def test_an_entry_read_rather_than_mapped_is_the_same_result(tmp_path, monkeypatch) -> None:
    """Windows reads an entry whole (a mapped file cannot be removed there while a replay holds it); what comes
    back is what the mapped entry gives. An empty entry is a miss either way."""
    base, new = random_run(tmp_path / "base.jsonl", 3), random_run(tmp_path / "new.jsonl", 4)
    diff_traces(DiffRequest(str(base), str(new)), env_for(tmp_path))
    cache = ResultCache(cached_files(tmp_path)[0].parent)
    mapped = {entry.name: cache.get(entry.name, Side) for entry in cached_files(tmp_path)}
    monkeypatch.setattr(os, "name", "nt")
    read = {entry.name: cache.get(entry.name, Side) for entry in cached_files(tmp_path)}
    monkeypatch.undo()
    assert read == mapped and sum(side is not None for side in read.values()) == 2
    empty = cached_files(tmp_path)[0]
    empty.write_bytes(b"")
    assert cache.get(empty.name, Side) is None


def test_no_cache_directory_means_no_cache(tmp_path) -> None:
    path = random_run(tmp_path / "run.jsonl", 6)
    report = analyze_traces(AnalyzeRequest(TraceArgs((str(path),))), Environment(cwd=tmp_path))
    assert report.overview is not None and cached_files(tmp_path) == []


def test_diff_answers_from_the_cache_exactly_as_a_first_read(tmp_path) -> None:
    base = random_run(tmp_path / "base.jsonl", 7)
    new = random_run(tmp_path / "new.jsonl", 8, "20261122-110000-abcdef")
    request = DiffRequest(str(base), str(new))
    first = diff_traces(request, env_for(tmp_path))
    assert len(cached_files(tmp_path)) == 3  # each side, and the answer
    assert diff_traces(request, env_for(tmp_path)) == first
    assert diff_traces(DiffRequest(str(base), str(new), cache=False), env_for(tmp_path)) == first


def kept_answers(tmp_path: Path) -> list[Path]:
    cache = ResultCache(tmp_path / "cache" / "namel3ss-debug" / "results")
    return [entry for entry in cached_files(tmp_path) if cache.get(entry.name, DiffReport) is not None]


def test_a_second_diff_of_the_same_runs_is_the_kept_answer(tmp_path) -> None:
    """No side is read again: with both sides' entries gone, the answer is still the first read's."""
    base = random_run(tmp_path / "base.jsonl", 7)
    new = random_run(tmp_path / "new.jsonl", 8, "20261122-110000-abcdef")
    request = DiffRequest(str(base), str(new), fail_on=("errors > +0",))
    first = diff_traces(request, env_for(tmp_path))
    (answer,) = kept_answers(tmp_path)
    for entry in cached_files(tmp_path):
        if entry != answer:
            entry.unlink()
    assert diff_traces(request, env_for(tmp_path)) == first
    assert cached_files(tmp_path) == [answer]


def test_another_threshold_or_context_is_another_answer(tmp_path) -> None:
    base = random_run(tmp_path / "base.jsonl", 7)
    new = random_run(tmp_path / "new.jsonl", 8, "20261122-110000-abcdef")
    for request in (DiffRequest(str(base), str(new)), DiffRequest(str(base), str(new), fail_on=("errors > +0",)),
                    DiffRequest(str(base), str(new), context=1)):
        first = diff_traces(request, env_for(tmp_path))
        assert diff_traces(request, env_for(tmp_path)) == first
        assert diff_traces(replace(request, cache=False), env_for(tmp_path)) == first
    assert len(kept_answers(tmp_path)) == 3


@pytest.mark.parametrize("torn", ["base", "new"])
def test_a_diff_read_with_problems_keeps_no_answer_so_its_warnings_are_said_again(tmp_path, torn) -> None:
    base = random_run(tmp_path / "base.jsonl", 7)
    new = random_run(tmp_path / "new.jsonl", 8, "20261122-110000-abcdef")
    damaged = base if torn == "base" else new
    damaged.write_bytes(damaged.read_bytes() + b'{"v": 1, "torn')
    said: list[str] = []
    request = DiffRequest(str(base), str(new))
    first = diff_traces(request, env_for(tmp_path, said))
    assert diff_traces(request, env_for(tmp_path, said)) == first
    assert kept_answers(tmp_path) == [] and len([line for line in said if "incomplete" in line]) == 2


def test_a_diff_side_kept_with_other_fingerprints_is_read_again(tmp_path, monkeypatch) -> None:
    """A side's calls hold fingerprints of one hash (`calls.FINGERPRINTS`): a side kept by an install that
    hashed otherwise (`fold64`, before the fingerprints were Python only) is read again rather than compared."""
    base = random_run(tmp_path / "base.jsonl", 7)
    new = random_run(tmp_path / "new.jsonl", 8, "20261122-110000-abcdef")
    request = DiffRequest(str(base), str(new))
    first = diff_traces(request, env_for(tmp_path))
    monkeypatch.setattr("namel3ss_debug.diffing.calls.FINGERPRINTS", "another-hash")
    assert diff_traces(request, env_for(tmp_path)) == first
    assert len(cached_files(tmp_path)) == 6  # each side and the answer, for each hash
