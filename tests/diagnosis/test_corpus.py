"""The diagnosis corpus (corpus.py): each failure app diagnosed with its kind, its evidence and, for a failed run,
its blame; each healthy run with no finding above `info` and no blame. Every app is traced as a user runs it
(`namel3ss-debug trace`, stubs on 127.0.0.1), then read by `namel3ss-debug diagnose --format json`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from namel3ss_debug.analysis.records.findings import KINDS

if str(Path(__file__).parent) not in sys.path:  # corpus.py beside this file, under any import mode
    sys.path.insert(0, str(Path(__file__).parent))

from corpus import CASES, FAILURES, HEALTHY, Case, diagnosis_of, judge, record, summary, workdir


def marks(case: Case) -> list[pytest.MarkDecorator]:
    found = [pytest.mark.frameworks] if case.framework else []
    found += [pytest.mark.slow] if case.slow else []
    found += [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return found


def params(cases: tuple[Case, ...]) -> list[object]:
    return [pytest.param(case, id=case.name.replace(" ", "_"), marks=marks(case)) for case in cases]


@pytest.fixture(scope="module")
def where(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return workdir(tmp_path_factory.mktemp("diagnosis-corpus"))


@pytest.mark.parametrize("case", params(FAILURES))
def test_a_failure_app_is_diagnosed_with_its_kind_and_evidence(case: Case, where: Path) -> None:
    diagnosis = diagnosis_of(record(case, where), where)
    judged = judge(case, diagnosis)
    said = [summary(finding) for finding in diagnosis["findings"]]
    assert judged.found, f"no {case.kind} finding with evidence {case.evidence}; findings: {said}"
    assert not judged.wrong, f"findings that should not be there: {[summary(f) for f in judged.wrong]}"
    if case.blame is not None:
        assert False not in (judged.blame_agent, judged.blame_step, judged.blame_finding), \
            f"blame {judged.blames}, expected {case.blame}"


@pytest.mark.parametrize("case", params(HEALTHY))
def test_a_healthy_run_has_no_finding_above_info_and_no_blame(case: Case, where: Path) -> None:
    diagnosis = diagnosis_of(record(case, where), where)
    above = [summary(finding) for finding in diagnosis["findings"] if finding["severity"] != "info"]
    assert (above, diagnosis["blames"]) == ([], [])


def test_the_corpus_shows_every_failure_mode_of_the_issue_and_ten_healthy_runs() -> None:
    assert {case.kind for case in FAILURES} == set(KINDS)
    assert len(FAILURES) >= 16 and len(HEALTHY) >= 10
    assert len({case.name for case in CASES}) == len(CASES)
    assert {case.framework for case in FAILURES} - {None}, "some failure apps run on real frameworks"
    assert all(case.script.exists() for case in CASES)
