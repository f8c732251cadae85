"""`diff --jobs`: its two runs read at once, NEW in a worker process while this process reads BASE
(`ops/diff_sides.py`). The answer, the warnings (NEW's, then BASE's) and an error (NEW's first) are what reading
one after the other gives; a worker that dies is one clear error; a side kept in the cache, or read from standard
input, is read as before. A big run read alone is read in parts (`ops/reading/parts.py`), with one read's answer."""

from __future__ import annotations

import io
import os
from pathlib import Path

import msgspec
import pytest
from support.analysisruns import random_run

from namel3ss_debug.diffing.call_parts import JoiningRecorder
from namel3ss_debug.model.errors import Namel3ssDebugError, TraceError, UsageError
from namel3ss_debug.ops import diff_sides, workers
from namel3ss_debug.ops.reading import parts as split
from namel3ss_debug.ops.diff import DiffRequest, diff_traces
from namel3ss_debug.ops.environment import Environment


def written(tmp_path: Path, name: str, seed: int, broken: bool = True) -> Path:
    """A random run with an invalid line and a line of an event type this version does not know in it (unless not
    `broken`)."""
    path = random_run(seed).write(tmp_path / name)
    if broken:
        lines = path.read_bytes().splitlines(keepends=True)
        strange = lines[2].replace(b'"event_type":"', b'"event_type":"x_')
        path.write_bytes(b"".join([*lines[:3], b"not json\n", strange, *lines[3:]]))
    return path


@pytest.fixture
def at_once(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each diff read its sides at once."""
    asked: list[bool] = []
    both = diff_sides.Sides.both

    def counted(self, *args):  # type: ignore[no-untyped-def]
        answer = both(self, *args)
        asked.append(answer is not None)
        return answer

    monkeypatch.setattr(diff_sides.Sides, "both", counted)
    monkeypatch.setattr(workers, "start_method", lambda fresh=False: "fork")
    monkeypatch.setattr(diff_sides, "AT_ONCE_BYTES", 0)  # the runs here are small
    return asked


def diffed(tmp_path: Path, base: str, new: str, jobs: int, said: list[str], *, strict: bool = False,
           cache: bool = False, stdin: bytes = b"") -> bytes:
    env = Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path, warn=said.append,
                      stdin=io.BytesIO(stdin))
    return msgspec.json.encode(diff_traces(DiffRequest(base, new, strict=strict, cache=cache, jobs=jobs), env))


def test_two_runs_read_at_once_are_the_diff_one_after_the_other_gives(tmp_path: Path, at_once: list[bool]) -> None:
    base, new = written(tmp_path, "base.jsonl", 1), written(tmp_path, "new.jsonl", 2)
    one_said: list[str] = []
    one = diffed(tmp_path, str(base), str(new), 1, one_said)
    both_said: list[str] = []
    assert diffed(tmp_path, str(base), str(new), 2, both_said) == one
    assert at_once == [False, True]
    assert both_said == one_said  # NEW's warnings, then BASE's
    assert [line.split(":")[0] for line in one_said if "not JSON" in line] == [str(new), str(base)]
    assert [line.split(":")[0] for line in one_said if "'x_agent_turn_start' is not one" in line] == [
        str(new), str(base)]


@pytest.mark.parametrize("empty", ["new", "both"])
def test_an_error_reading_new_is_said_first_whatever_base_meets(tmp_path: Path, at_once: list[bool],
                                                               empty: str) -> None:
    base = written(tmp_path, "base.jsonl", 1) if empty == "new" else tmp_path / "base.jsonl"
    if empty == "both":
        base.write_text("")
    new = tmp_path / "new.jsonl"
    new.write_bytes(b"not json\n")
    errors, warnings = [], []
    for jobs in (1, 2):
        said: list[str] = []
        with pytest.raises(TraceError) as raised:
            diffed(tmp_path, str(base), str(new), jobs, said)
        errors.append(str(raised.value))
        warnings.append(said)
    assert errors[0] == errors[1] and str(new) in errors[0]
    assert warnings[0] == warnings[1]


def test_an_error_reading_base_comes_after_news_warnings(tmp_path: Path, at_once: list[bool]) -> None:
    new = written(tmp_path, "new.jsonl", 2)
    base = tmp_path / "base.jsonl"
    base.write_bytes(written(tmp_path, "a.jsonl", 3, broken=False).read_bytes() +
                     random_run(4).write(tmp_path / "b.jsonl").read_bytes().replace(b"20261122-", b"20261123-"))
    outcomes = []
    for jobs in (1, 2):
        said: list[str] = []
        with pytest.raises(UsageError) as raised:
            diffed(tmp_path, str(base), str(new), jobs, said)
        outcomes.append((str(raised.value), said))
    assert outcomes[0] == outcomes[1] and "holds 2 runs" in outcomes[0][0]
    assert any(str(new) in line for line in outcomes[0][1])  # NEW's warnings said before BASE's error


def test_an_invalid_line_under_strict_stops_it_as_one_after_the_other(tmp_path: Path, at_once: list[bool]) -> None:
    base, new = written(tmp_path, "base.jsonl", 1), written(tmp_path, "new.jsonl", 2)
    errors = []
    for jobs in (1, 2):
        with pytest.raises(TraceError) as raised:
            diffed(tmp_path, str(base), str(new), jobs, [], strict=True)
        errors.append((str(raised.value), raised.value.where))
    assert errors[0] == errors[1] and str(new) in str(errors[0][1])


def test_a_worker_that_dies_is_one_clear_error(tmp_path: Path, at_once: list[bool],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    base, new = written(tmp_path, "base.jsonl", 1), written(tmp_path, "new.jsonl", 2)
    monkeypatch.setattr(diff_sides, "_new_there", _dies)
    with pytest.raises(Namel3ssDebugError, match="a worker process stopped while reading 1 run in 1 process"):
        diffed(tmp_path, str(base), str(new), 2, [])


def _dies(source: object) -> None:
    import os  # noqa: PLC0415 - the worker's own exit

    os._exit(9)


def test_a_side_kept_in_the_cache_or_read_from_standard_input_or_small_is_read_here(
        tmp_path: Path, at_once: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    base, new = written(tmp_path, "base.jsonl", 1, broken=False), written(tmp_path, "new.jsonl", 2, broken=False)
    first = diffed(tmp_path, str(base), str(new), 1, [], cache=True)
    newer = written(tmp_path, "newer.jsonl", 5, broken=False)
    diffed(tmp_path, str(base), str(newer), 2, [], cache=True)  # BASE's read kept its side: NEW read here
    assert diffed(tmp_path, str(base), "-", 2, [], stdin=new.read_bytes()) != b""
    monkeypatch.setattr(diff_sides, "AT_ONCE_BYTES", newer.stat().st_size + 1)
    diffed(tmp_path, str(base), str(newer), 2, [])  # one side is small: read here
    assert at_once == [False, False, False, False] and first


@pytest.mark.parametrize("broken", [True, False])
def test_a_run_read_alone_in_parts_is_the_diff_and_the_side_one_read_gives(tmp_path: Path, broken: bool,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A big run read alone (`ops/reading/parts.py`: the other side small, or kept): cut in parts, each part's calls
    recorded in a worker and joined. The answer and the warnings (an invalid line, an unknown event type, in a part)
    are one read's; a clean read keeps in the cache the sides and the answer one read keeps."""
    monkeypatch.setattr(workers, "start_method", lambda fresh=False: "fork")
    base, new = written(tmp_path, "base.jsonl", 1, broken=False), written(tmp_path, "new.jsonl", 5, broken=False)
    if broken:
        lines = new.read_bytes().splitlines(keepends=True)
        at = len(lines) * 3 // 5
        strange = lines[at].replace(b'"event_type":"', b'"event_type":"x_')
        new.write_bytes(b"".join([*lines[:at], b"not json\n", strange, *lines[at:]]))
    monkeypatch.setattr(split, "PART_BYTES", new.stat().st_size // 3)
    adopted: list[int] = []
    monkeypatch.setattr(JoiningRecorder, "adopt", lambda recorder, part, adopt=JoiningRecorder.adopt:
                        adopted.append(len(part.table)) or adopt(recorder, part))
    answers, kept = [], []
    for jobs in (1, 3):
        said: list[str] = []
        answers.append((diffed(tmp_path / f"{jobs}", str(base), str(new), jobs, said, cache=True), said))
        kept.append(sorted(path.read_bytes() for path in (tmp_path / f"{jobs}" / "cache").rglob("*") if path.is_file()))
    assert answers[0] == answers[1] and bool(answers[0][1]) == broken  # the same answer and warnings
    assert kept[0] == kept[1] and (broken or len(kept[0]) >= 3)  # clean: both sides and the answer kept, as one read
    assert adopted and sum(adopted) > 0  # a part's calls joined


def test_a_worker_that_dies_while_a_run_is_diffed_in_parts_is_one_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "start_method", lambda fresh=False: "fork")
    base, new = written(tmp_path, "base.jsonl", 1, broken=False), written(tmp_path, "new.jsonl", 5, broken=False)
    monkeypatch.setattr(split, "PART_BYTES", new.stat().st_size // 3)
    monkeypatch.setattr(split, "_part_there", _dies)
    with pytest.raises(Namel3ssDebugError, match="a worker process stopped"):
        diffed(tmp_path, str(base), str(new), 3, [], cache=True)
    results = tmp_path / "cache" / "namel3ss-debug" / "results"
    assert not results.exists() or not any(results.iterdir())  # nothing kept of a read that stopped


def _dies(part: object) -> None:
    os._exit(9)
