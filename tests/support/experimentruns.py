"""A failed run with the record of `diagnose --experiment` beside it, for the tests of the views that read the record
back (`report`, `view`, `runs`): the planted loop (`tests/cli/apps/planted_loop.py`) recorded against a stub whose
answer to call 3 is always wrong, then the experiment against the stub with that call answered rightly (so re-asking
from call 3 on always rescues the run and from call 4 on never does: `verified`, call 3, whatever the order of the
tries), its forks and record written beside the run. Slow (a dozen app runs): build it once per module.

    made = experiment_run(tmp_path_factory.mktemp("experiment"))
    made.trace, made.run_id, made.record, made.report["tried"]
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.plantedstub import planted_stub
from support.rerunhelpers import command

APP = Path(__file__).resolve().parents[1] / "cli" / "apps" / "planted_loop.py"
STEPS = 6
DECISIVE, AFTER = "llm:openai.chat#3", "llm:openai.chat#4"


@dataclass(frozen=True)
class ExperimentRun:
    """The recorded run (its trace, its id), the record kept beside it, and the experiment's JSON report."""

    trace: Path
    run_id: str
    record: Path
    report: dict[str, Any]

    @property
    def forks(self) -> list[str]:
        return [fork for tried in self.report["tried"] for fork in tried["forks"]]


def experiment_run(directory: Path, tries: int = 2) -> ExperimentRun:
    """Record the loop in `directory/traces` and run the experiment on it there, `tries` at each fork point."""
    shutil.copyfile(APP, directory / "app.py")
    stub = planted_stub({"step 3 of": 1.0})
    try:
        done = command("trace", "-q", "-o", "traces", "app.py", "--base-url", stub.url + "/v1", "--steps", str(STEPS),
                       cwd=directory)
        assert done.returncode == 1, done.stderr
        trace = next((directory / "traces").glob("*.jsonl"))
        stub.plant({"step 3 of": 0.0})
        done = command("diagnose", str(trace), "--experiment", "--tries", str(tries), "--base-url", stub.url,
                       "-o", "traces", "--format", "json", "--yes", cwd=directory)
    finally:
        stub.stop()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["conclusion"]["decisive"]["call"] == DECISIVE, report["conclusion"]
    return ExperimentRun(trace, report["run_id"], Path(report["record"]), report)
