"""The record `diagnose --experiment` keeps beside a run (`RUN_ID.experiment.json`), read back for `report` and `view`.

The file lies in a folder of traces, which a tarball or a clone brings from anyone: it is read as a stranger's
file (`model/fs.read_beside`: its name's link not followed, a FIFO refused, at most `MAX_RECORD` bytes) and
decoded into `ExperimentReport` with strict types. A record that is missing is no record; one that is damaged, of
another schema or of another run costs one warning line and the page goes on without it (never a traceback).
Its strings are a trace's text: each view makes them safe its own way.

Only `report` and `view` import this (not `analyze`, whose start-up it would slow).

    experiment = read_experiment(source.files[0], run_id, env.warn)   # None: none, or not ours
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import msgspec

from ..judging.experiment import NOT_CONFIRMED, VERIFIED
from ..judging.experiment_report import EXPERIMENT_SCHEMA, MAX_RECORD, ExperimentReport, record_name
from ..model.fs import read_beside
from ..store.sources import STDIN

_DECODER = msgspec.json.Decoder(ExperimentReport)
_HINT = "run diagnose --experiment again to write it anew, or remove it"


def record_path(trace_file: str, run_id: str) -> Path:
    """Where the record of run `run_id` lies: beside the run's trace file."""
    return Path(trace_file).parent / record_name(run_id)


def read_experiment(trace_file: str, run_id: str | None, warn: Callable[[str], None]) -> ExperimentReport | None:
    """The experiment kept beside `trace_file` for run `run_id`; None when there is none (or the run has no id,
    or is read from standard input), and None with one `warn` line when the file there is not a record of it."""
    if run_id is None or trace_file == STDIN:
        return None
    path = record_path(trace_file, run_id)
    try:
        data = read_beside(path, limit=MAX_RECORD)
    except OSError as error:  # `Refused` (a link, a FIFO, too large) or what the system said
        warn(f"{path}: the experiment record is not read: {error.strerror or error}; {_HINT}")
        return None
    if data is None:
        return None
    try:
        report = _DECODER.decode(data)
    except msgspec.DecodeError as error:  # not JSON, or a field of another type (its message names the field)
        warn(f"{path}: the experiment record is damaged ({_first_line(str(error))}); {_HINT}")
        return None
    why = _not_ours(report, run_id)
    if why is not None:
        warn(f"{path}: the experiment record is not read: {why}; {_HINT}")
        return None
    return report


def _not_ours(report: ExperimentReport, run_id: str) -> str | None:
    """Why a well-formed record is still not this run's experiment (None: it is)."""
    if report.schema != EXPERIMENT_SCHEMA:
        return f"it is of schema {report.schema[:80]!r}, not {EXPERIMENT_SCHEMA}"
    if report.run_id != run_id:
        return f"it is the experiment of run {report.run_id[:80]!r}, not {run_id!r}"
    if report.conclusion.verdict not in (VERIFIED, NOT_CONFIRMED):
        return f"its verdict {report.conclusion.verdict[:80]!r} is neither {VERIFIED!r} nor {NOT_CONFIRMED!r}"
    return None


def _first_line(text: str) -> str:
    return text.splitlines()[0][:200] if text else "not JSON"
