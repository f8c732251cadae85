"""`ops/experiment_record.read_experiment`: the record `diagnose --experiment` kept beside a run, read back as a
stranger's file. Missing is no record; what is at its name and is not this run's record (a FIFO, a file past the
limit, another schema, another run) is None and one warning line, never a wait or a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
import pytest

from namel3ss_debug.judging import experiment_report
from namel3ss_debug.judging.experiment import VERIFIED, Conclusion, ForkPoint, PointTried
from namel3ss_debug.judging.experiment_report import EXPERIMENT_SCHEMA, Budget, ExperimentReport, Spent, record_name
from namel3ss_debug.ops.experiment_record import read_experiment

RUN = "20261129-120000-abcdef"
AT, AFTER = ForkPoint("llm:openai.chat#2", 2, 5), ForkPoint("llm:openai.chat#3", 3, 8)


def record(run_id: str = RUN, schema: str = EXPERIMENT_SCHEMA) -> ExperimentReport:
    at, after = PointTried(AT, 2, 2, forks=["f1", "f2"]), PointTried(AFTER, 2, 0, forks=["f3", "f4"])
    return ExperimentReport(schema, "namel3ss-debug test", run_id, "run.jsonl", "failed: ended failed", 3,
                            "llm:openai.chat#3", "llm:openai.chat#3", "low", [at, after],
                            Conclusion(VERIFIED, "re-asking ...", None, AT, at, after, [AT.call, AT.call]),
                            Spent(4, 8, None), Budget(2), "--base-url", ["http://127.0.0.1:1"])


def read(tmp_path: Path, data: bytes | None) -> tuple[ExperimentReport | None, list[str]]:
    trace = tmp_path / f"{RUN}.0000.jsonl"
    trace.write_text("")
    if data is not None:
        (tmp_path / record_name(RUN)).write_bytes(data)
    said: list[str] = []
    return read_experiment(str(trace), RUN, said.append), said


def test_the_record_of_the_run_is_read_back_as_written(tmp_path) -> None:
    assert read(tmp_path, msgspec.json.encode(record())) == (record(), [])


def test_no_record_is_none_and_says_nothing(tmp_path) -> None:
    assert read(tmp_path, None) == (None, [])


@pytest.mark.parametrize(("kept", "said"), [
    (record(schema="namel3ss-debug/experiment/v9"), "it is of schema 'namel3ss-debug/experiment/v9'"),
    (record(run_id="20261129-130000-000000"), "it is the experiment of run '20261129-130000-000000'"),
])
def test_a_record_of_another_schema_or_run_is_refused(tmp_path, kept, said) -> None:
    found, warned = read(tmp_path, msgspec.json.encode(kept))
    assert found is None and len(warned) == 1 and said in warned[0]


def test_a_fifo_at_the_name_is_refused_not_waited_on(tmp_path) -> None:
    trace = tmp_path / f"{RUN}.0000.jsonl"
    trace.write_text("")
    os.mkfifo(tmp_path / record_name(RUN))
    warned: list[str] = []
    assert read_experiment(str(trace), RUN, warned.append) is None
    assert len(warned) == 1 and "is not a regular file" in warned[0]


def test_a_record_past_the_limit_is_refused_unread(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("namel3ss_debug.ops.experiment_record.MAX_RECORD", 100)
    data = msgspec.json.encode(record())
    assert len(data) > 100 and experiment_report.MAX_RECORD > len(data)
    found, warned = read(tmp_path, data)
    assert found is None and len(warned) == 1 and "is larger than 100 bytes" in warned[0]


def test_a_run_with_no_id_or_from_stdin_has_no_record(tmp_path) -> None:
    read(tmp_path, msgspec.json.encode(record()))
    assert read_experiment(str(tmp_path / f"{RUN}.0000.jsonl"), None, print) is None
    assert read_experiment("-", RUN, print) is None
