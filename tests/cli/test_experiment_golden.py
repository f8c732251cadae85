"""A fork that `diagnose --experiment` kept is a golden run as it is: the loop recorded failing (its call 3
answered wrongly by the planted stub), the experiment re-asks from each fork point with call 3 answered rightly, and
a test that imports the same loop, marked `n3replay` with a fork from the decisive call as its golden file, passes
offline, every call answered from the fork; the same test given the failed recording fails, as the run did."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from support.goldensuites import isolate, run_pytest
from support.plantedstub import PlantedStub, planted_stub
from support.rerunhelpers import command

pytest.importorskip("openai")
pytestmark = pytest.mark.slow  # a pytest session of a sample project, in a process of its own
APP = Path(__file__).parent / "apps" / "planted_ledger.py"

TESTS = '''
import os

import pytest
from ledger import run


@pytest.mark.n3replay("golden/fork.jsonl")
def test_from_the_fork():
    assert run(os.environ["STUB_URL"])


@pytest.mark.n3replay("golden/failed.jsonl")
def test_from_the_failure():
    assert run(os.environ["STUB_URL"])
'''


@pytest.fixture
def stub() -> Iterator[PlantedStub]:
    server = planted_stub({"step 3 of": 1.0})
    yield server
    server.stop()


def passing_fork(tmp_path: Path, stub: PlantedStub) -> tuple[Path, Path]:
    """The failed recording of the loop, and a fork from its decisive call that passed."""
    shutil.copyfile(APP, tmp_path / "ledger.py")
    done = command("trace", "-q", "-o", "recorded", "ledger.py", "--base-url", stub.url + "/v1", cwd=tmp_path)
    assert done.returncode == 1 and "the ledger does not balance" in done.stderr, done.stderr
    failed = next((tmp_path / "recorded").glob("*.jsonl"))
    stub.plant({"step 3 of": 0.0})  # the planted call answered rightly: every fork from it or before passes
    done = command("diagnose", str(failed), "--experiment", "--tries", "2", "--base-url", stub.url, "-o", "forks",
                   "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    decisive = report["conclusion"]["decisive"]["call"]
    point = next(tried for tried in report["tried"] if tried["point"]["call"] == decisive)
    assert (decisive, point["passes"]) == ("llm:openai.chat#3", point["tries"])  # calls 1-2 replayed, 3-6 re-asked
    passed = point["forks"][point["outcomes"].index("passed")]  # each fork beside its outcome
    return failed, next((tmp_path / "forks").glob(f"{passed}.*.jsonl"))


def test_a_passing_fork_is_the_golden_run_of_a_test_of_the_same_code(tmp_path: Path, stub: PlantedStub,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)
    failed, fork = passing_fork(tmp_path, stub)
    project = tmp_path / "project"
    (project / "golden").mkdir(parents=True)
    shutil.copyfile(tmp_path / "ledger.py", project / "ledger.py")
    shutil.copyfile(fork, project / "golden" / "fork.jsonl")
    shutil.copyfile(failed, project / "golden" / "failed.jsonl")
    (project / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "-p no:cacheprovider"\n')
    (project / "test_ledger.py").write_text(TESTS)
    stub.plant({"step 3 of": 1.0})  # were the test to reach the model, its call 3 would be answered wrongly
    asked = len(stub.requests)
    result = run_pytest(project, {"STUB_URL": stub.url + "/v1"}, "-p", "no:xdist", "-rA", "test_ledger.py")
    lines = result.outlines
    assert "PASSED test_ledger.py::test_from_the_fork" in lines, "\n".join(lines + result.errlines)
    failure = next(line for line in lines if line.startswith("FAILED test_ledger.py::test_from_the_failure"))
    assert "AssertionError" in failure and "n3replay" not in failure, failure  # answered wrongly, not a miss
    assert len(stub.requests) == asked  # both tests were answered from their golden runs alone
