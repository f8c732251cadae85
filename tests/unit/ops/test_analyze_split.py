"""`analyze` of one big run in parts (`--jobs`, `ops/reading/parts.py`): the report and the warnings one process
gives, byte for byte and in the same order; parts are joined (the work is shared); an invalid line under `--strict`
stops it as in one process; a worker that dies is one clear error; a run too small, a report with the findings, a
window: read in one process."""

from __future__ import annotations

import io
import json
import os
import pickle
import random
import tempfile
from pathlib import Path

import msgspec
import pytest
from support.diagnosisruns import talking_run
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.analysis import split_run
from namel3ss_debug.analysis.records.report import SECTIONS
from namel3ss_debug.analysis.thresholds import Thresholds
from namel3ss_debug.analysis.window import EventWindow
from namel3ss_debug.model.errors import Namel3ssDebugError, TraceError
from namel3ss_debug.model.fs import Refused
from namel3ss_debug.ops import workers
from namel3ss_debug.ops.reading import plan as plan_module
from namel3ss_debug.ops.reading import handoff, parts as split
from namel3ss_debug.ops.reading.settings import PassSettings
from namel3ss_debug.ops.check import CheckRequest, check_traces
from namel3ss_debug.ops.diagnose import DiagnoseRequest, diagnose_traces
from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest, analyze_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.traces import TraceArgs
from namel3ss_debug.store.sources import resolve_sources

PARTED = tuple(SECTIONS)  # every section, the diagnosis's too
PART = 40_000  # bytes a part: the run below is cut in as many parts as there are jobs


def big_run(tmp_path: Path, requests: int = 400, secret: bool = False) -> Path:
    """Requests one after another, each an agent with calls (repeated, failing, reported), an invalid line and an
    event type this version does not know among them; with `secret`, an API key in a few calls' inputs."""
    rng = random.Random(7)
    trace = TraceBuilder()
    trace.run_start()
    for number in range(requests):
        agent = trace.start("agent", rng.choice(["a", "b"]))
        for _ in range(rng.randint(1, 3)):
            failed = rng.random() < 0.1
            key = {"api_key": "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0" * 3} if secret and number % 97 == 5 else {}
            trace.span("tool", "search", rng.uniform(1, 90), agent, inputs={"q": rng.randint(0, 20), **key},
                       status="failed" if failed else "completed", error=error("KeyError", "'q'") if failed else None)
            if failed and rng.random() < 0.5:
                trace.instant("error_occurred", "tool", "KeyError", agent, status="failed",
                              error=error("KeyError", "'q'"))
        if number == requests * 17 // 20:  # with the invalid line, in the last part (one process says both at
            # the end of the block they are in; read in parts, each part's warnings are said with it)
            trace.instant("agent_holiday", "agent", "rest", agent)
        trace.end(agent, rng.uniform(50, 300), status="failed" if rng.random() < 0.05 else "completed")
        trace.advance(rng.uniform(0, 500))
    trace.run_end()
    path = trace.write(tmp_path / "big.jsonl")
    lines = path.read_bytes().splitlines(keepends=True)
    at = len(lines) * 3 // 4
    path.write_bytes(b"".join(lines[:at] + [b"not json\n"] + lines[at:]))
    return path


def analysed(path: Path, tmp_path: Path, jobs: int, said: list[str], *, sections=PARTED, strict=False,
             since: str | None = None) -> bytes:
    env = Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path, warn=said.append,
                      stdin=io.BytesIO(b""))
    request = AnalyzeRequest(TraceArgs((str(path),), strict=strict), since=since, cache=False, jobs=jobs,
                             sections=sections)
    return msgspec.json.encode(analyze_traces(request, env))


@pytest.fixture
def joins(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each join asked, and whether the part was joined."""
    asked: list[bool] = []
    join = split_run.join

    def counted(tally, part):  # type: ignore[no-untyped-def]
        asked.append(join(tally, part))
        return asked[-1]

    monkeypatch.setattr(split_run, "join", counted)
    monkeypatch.setattr(workers, "start_method", lambda fresh=False: "fork")
    monkeypatch.setattr(split, "PART_BYTES", PART)
    return asked


@pytest.mark.parametrize("jobs", [2, 3])
def test_one_big_run_read_in_parts_is_the_report_one_process_gives(tmp_path: Path, joins: list[bool],
                                                                   jobs: int) -> None:
    path = big_run(tmp_path)
    one_said: list[str] = []
    one = analysed(path, tmp_path, 1, one_said)
    assert not joins
    parted_said: list[str] = []
    assert analysed(path, tmp_path, jobs, parted_said) == one
    assert parted_said == one_said and any("not JSON" in line for line in one_said)
    assert os.path.getsize(path) > 3 * PART and len(joins) == jobs - 1 and all(joins)  # joined here


def diagnosed(path: Path, tmp_path: Path, jobs: int, said: list[str] | None = None) -> bytes:
    env = Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path,
                      warn=said.append if said is not None else print, stdin=io.BytesIO(b""))
    return msgspec.json.encode(diagnose_traces(DiagnoseRequest(TraceArgs((str(path),)), cache=False, jobs=jobs), env))


def test_one_big_run_diagnosed_in_parts_is_the_answer_one_process_gives(tmp_path: Path, joins: list[bool]) -> None:
    path = talking_run(11, requests=(400, 400), tidy=True).write(tmp_path / "talk.jsonl")
    one = diagnosed(path, tmp_path, 1)
    assert not joins
    assert diagnosed(path, tmp_path, 3) == one
    assert len(joins) == 2 and any(joins)  # its findings and blame judged from parts (a cut after a failed call: not)
    assert json.loads(one)["findings"] and json.loads(one)["blames"]


def test_a_run_diagnosed_in_parts_says_the_warnings_one_process_says(tmp_path: Path, joins: list[bool]) -> None:
    path = big_run(tmp_path)
    one_said: list[str] = []
    one = diagnosed(path, tmp_path, 1, one_said)
    parted_said: list[str] = []
    assert diagnosed(path, tmp_path, 2, parted_said) == one and all(joins) and joins
    assert parted_said == one_said and any("'agent_holiday' is not one" in line for line in one_said)


def test_a_worker_that_dies_while_a_run_is_diagnosed_in_parts_is_one_clear_error(
        tmp_path: Path, joins: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    path = talking_run(11, requests=(400, 400), tidy=True).write(tmp_path / "talk.jsonl")
    monkeypatch.setattr(split, "_part_there", _dies)
    with pytest.raises(Namel3ssDebugError, match="a worker process stopped"):
        diagnosed(path, tmp_path, 2)


def test_a_run_diagnosed_with_the_workspaces_checks_in_parts_is_the_answer_one_process_gives(
        tmp_path: Path, joins: list[bool]) -> None:
    path = talking_run(11, requests=(400, 400), tidy=True).write(tmp_path / "talk.jsonl")
    (tmp_path / ".namel3ss").mkdir()
    (tmp_path / ".namel3ss" / "debug.json").write_text('{"checks": {"max_errors": 1, "max_llm_calls": 50, '
                                                       '"require_order": ["llm", "tool"]}}')
    one = diagnosed(path, tmp_path, 1)
    assert not joins
    assert diagnosed(path, tmp_path, 3) == one
    assert len(joins) == 2 and any(joins)  # the checks' scan of a part joined with its tally
    assert {failure["source"] for failure in json.loads(one)["failures"]} >= {"check"}


def checked(path: Path, tmp_path: Path, jobs: int, said: list[str], flags: dict) -> bytes:
    env = Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path, warn=said.append,
                      stdin=io.BytesIO(b""))
    return msgspec.json.encode(check_traces(CheckRequest(TraceArgs((str(path),)), flags=flags, cache=False,
                                                         jobs=jobs), env))


# every rule kind, most of them broken by the run (events listed past a limit, a call limit crossed in a part)
ALL_RULES = {"max_errors": "3", "max_component_errors": ("tool=2",), "max_category_errors": ("timeout=0",),
             "max_p95": ("tool=20ms",), "max_p99": ("agent=100ms",), "max_latency": ("tool:search=50ms",),
             "max_tokens": "100", "max_cost": "0.001", "max_llm_calls": "2", "max_tool_calls": "30",
             "max_duration": "10s", "require": ("tool:search", "llm"), "forbid": ("error:parameter", "agent:b"),
             "require_order": ("agent:a,tool,agent:b",), "clean_integrity": True, "forbid_secrets": True,
             "fail_on_finding": "any"}


@pytest.mark.parametrize("jobs", [2, 3])
def test_one_big_run_checked_in_parts_is_the_answer_one_process_gives(tmp_path: Path, joins: list[bool],
                                                                      jobs: int) -> None:
    path = big_run(tmp_path, secret=True)
    one_said: list[str] = []
    one = checked(path, tmp_path, 1, one_said, ALL_RULES)
    assert not joins
    parted_said: list[str] = []
    assert checked(path, tmp_path, jobs, parted_said, ALL_RULES) == one
    assert parted_said == one_said and any("not JSON" in line for line in one_said)
    assert len(joins) == jobs - 1 and all(joins)
    results = {result["key"]: result for result in json.loads(one)["runs"][0]["results"]}
    assert set(results) >= {"max_tool_calls", "forbid_secrets", "require_order", "max_p95"}
    assert not results["max_tool_calls"]["passed"] and not results["forbid_secrets"]["passed"]


def test_a_check_of_secrets_alone_reads_the_run_in_one_process(tmp_path: Path, joins: list[bool]) -> None:
    checked(big_run(tmp_path, secret=True), tmp_path, 2, [], {"forbid_secrets": True})
    assert not joins  # it reads no field of the report: the run goes at the pre-scan's speed, not analysed


def test_a_worker_that_dies_while_a_run_is_checked_in_parts_is_one_clear_error(
        tmp_path: Path, joins: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "_part_there", _dies)
    with pytest.raises(Namel3ssDebugError, match="a worker process stopped"):
        checked(big_run(tmp_path), tmp_path, 2, [], ALL_RULES)


def test_a_run_too_small_or_a_window_is_read_in_one_process(tmp_path: Path, joins: list[bool]) -> None:
    path = big_run(tmp_path)
    said: list[str] = []
    analysed(path, tmp_path, 2, said, since="2026-11-22T10:00:01Z")
    small = big_run(tmp_path / "small", 20) if (tmp_path / "small").mkdir() is None else None
    assert small is not None and os.path.getsize(small) < 2 * PART
    analysed(small, tmp_path, 2, said)
    assert not joins


def test_an_invalid_line_in_a_part_under_strict_stops_it_as_in_one_process(tmp_path: Path,
                                                                         joins: list[bool]) -> None:
    path = big_run(tmp_path)
    errors = []
    for jobs in (1, 2):
        with pytest.raises(TraceError) as raised:
            analysed(path, tmp_path, jobs, [], strict=True)
        errors.append((str(raised.value), raised.value.where))
    assert errors[0] == errors[1] and errors[0][1].endswith(f":{_invalid_line(path)}")


def _invalid_line(path: Path) -> int:
    return path.read_bytes().splitlines().index(b"not json") + 1


def test_a_worker_that_dies_is_one_clear_error(tmp_path: Path, joins: list[bool],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = big_run(tmp_path)
    monkeypatch.setattr(split, "_part_there", _dies)
    with pytest.raises(Namel3ssDebugError, match="a worker process stopped"):
        analysed(path, tmp_path, 2, [])


def _dies(part: object) -> None:
    os._exit(9)


def test_a_file_smaller_when_its_parts_are_read_than_when_it_was_cut_is_one_clear_error(
        tmp_path: Path, joins: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    path = big_run(tmp_path)
    cut_for = split.cut_for

    def cut_then_shrunk(*args):  # type: ignore[no-untyped-def]
        cut = cut_for(*args)
        path.write_bytes(path.read_bytes()[: os.path.getsize(path) // 2])  # a rewrite, after the cut
        return cut

    monkeypatch.setattr(plan_module, "cut_for", cut_then_shrunk)
    with pytest.raises(TraceError, match="changed while it was read in parts"):
        analysed(path, tmp_path, 2, [])


def test_a_run_is_cut_at_the_start_of_a_child_of_its_root_into_contiguous_spans_with_their_line_numbers(
        tmp_path: Path, joins: list[bool]) -> None:
    path = big_run(tmp_path)
    settings = PassSettings(1000.0, 10000.0, 10, Thresholds(), EventWindow(), PARTED, False, False, None, None)
    [source] = resolve_sources([str(path)])
    cut = split.cut_for([source], settings, 3)
    assert cut is not None and len(cut.spans) == 3
    data = path.read_bytes()
    assert cut.spans[0].start == 0 and cut.spans[-1].end == len(data)
    for before, span in zip(cut.spans, cut.spans[1:]):
        assert before.end == span.start and data[span.start - 1:span.start] == b"\n"
        assert span.line == data[:span.start].count(b"\n") + 1
        event = json.loads(data[span.start:data.index(b"\n", span.start)])
        assert event["event_type"] == "agent_execution_start" and event["parent_id"] == "0000000000000001"
    sizes = [span.end - span.start for span in cut.spans]
    assert sizes[0] > max(sizes[1:])  # this process's span is a little longer: a worker also starts


def test_the_parts_answers_come_through_a_private_directory_removed_after_the_read(
        tmp_path: Path, joins: list[bool], monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    made: list[int] = []
    start = handoff.Handoff.__init__

    def noted(self):  # type: ignore[no-untyped-def]
        start(self)
        made.append(os.fstat(self.folder.fd).st_mode & 0o777)

    monkeypatch.setattr(handoff.Handoff, "__init__", noted)
    path = big_run(tmp_path)
    assert analysed(path, tmp_path, 3, []) == analysed(path, tmp_path, 1, [])
    assert made == [0o700] and len(joins) == 2 and all(joins)
    assert list(scratch.iterdir()) == []  # each answer removed once read, then the directory
    monkeypatch.setattr(split, "_part_there", _dies)
    with pytest.raises(Namel3ssDebugError, match="a worker process stopped"):
        analysed(path, tmp_path, 2, [])
    assert list(scratch.iterdir()) == []


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary directory the hand-off's directories are made in: a folder of the test's."""
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path / "tmp"


def test_an_answer_is_read_only_through_the_directory_its_read_made_and_holds(tmp_path: Path, scratch: Path) -> None:
    with handoff.Handoff() as mine:
        assert handoff.handed(mine.place, 0, {"part": 1}) == 0
        assert handoff.taken(mine, 0) == {"part": 1} and os.listdir(mine.folder.fd) == []
        os.rename(mine.folder.path, tmp_path / "moved")  # a stranger's directory at the name, with an answer
        planted = Path(mine.place.path)
        planted.mkdir()
        (planted / "part-1.pickle").write_bytes(pickle.dumps({"part": "theirs"}))
        handoff.handed(mine.place, 1, {"part": 2})
        assert handoff.taken(mine, 1) == {"part": 2}
    assert (planted / "part-1.pickle").exists() and os.listdir(tmp_path / "moved") == []


def test_a_link_or_a_fifo_at_an_answers_name_is_refused_not_followed_nor_waited_on(tmp_path: Path,
                                                                                   scratch: Path) -> None:
    victim = tmp_path / "victim.pickle"
    victim.write_bytes(pickle.dumps({"part": "victim's"}))
    with handoff.Handoff() as mine:
        os.symlink(victim, "part-0.pickle", dir_fd=mine.folder.fd)
        with pytest.raises(Refused, match="symbolic link"):
            handoff.taken(mine, 0)
        with pytest.raises(FileExistsError):
            handoff.handed(mine.place, 0, {"part": 1})
        os.mkfifo("part-1.pickle", dir_fd=mine.folder.fd)
        with pytest.raises(Refused, match="not a regular file"):
            handoff.taken(mine, 1)
    assert pickle.loads(victim.read_bytes()) == {"part": "victim's"}


def test_a_worker_not_holding_the_reads_directory_writes_nothing(tmp_path: Path, scratch: Path) -> None:
    with handoff.Handoff() as mine, open(tmp_path / "other", "wb") as other:
        elsewhere = handoff.Place(other.fileno(), mine.place.device, mine.place.inode, mine.place.path)
        with pytest.raises(OSError, match="is not the parts' directory"):
            handoff.handed(elsewhere, 0, {"part": 1})
        with pytest.raises(OSError, match="is not open in this worker"):
            handoff.handed(handoff.Place(999_999, 0, 0, mine.place.path), 0, {"part": 1})
        assert os.listdir(mine.folder.fd) == []
