"""`report RUN` of a failed run with the record of `diagnose --experiment` beside it: the page carries the verdict,
the rescue rates, whether the blame read from the log agrees, and the fork points tried with their forks; `runs`
lists those forks under the run. The record is a stranger's file: markup in it stays text, a damaged one, another
run's or a link is one warning line and the page without it.

The run and its experiment are made once for the module (`support/experimentruns.py`); each case copies the run's
trace into a folder of its own beside a record of its own."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from support.experimentruns import AFTER, DECISIVE, ExperimentRun, experiment_run

from namel3ss_debug.cli.main import cli

pytest.importorskip("openai")
pytestmark = pytest.mark.usefixtures("isolated_workspace")
MARKUP = "<b>bold</b><script>document.title=1</script>"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> ExperimentRun:
    return experiment_run(tmp_path_factory.mktemp("experiment"))


def report(trace: Path, page: Path) -> tuple[Result, dict[str, Any] | None]:
    """`report TRACE -o PAGE`, and the experiment the page's data holds."""
    done = CliRunner().invoke(cli, ["report", str(trace), "-o", str(page), "--no-cache", "--no-progress"],
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    text = page.read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="n3-data">(.*?)</script>', text, re.S).group(1))
    return done, data["runs"][0]["experiment"]


def beside(made: ExperimentRun, folder: Path, record: bytes | None) -> Path:
    """The run's trace copied into `folder`, with `record` (None: no record) at the record's name beside it."""
    folder.mkdir()
    trace = folder / made.trace.name
    shutil.copyfile(made.trace, trace)
    if record is not None:
        (folder / made.record.name).write_bytes(record)
    return trace


def warnings(done: Result) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("namel3ss-debug: warning:")]


def test_the_page_says_verified_with_the_rescue_rates_and_the_blame_it_differs_from(made, tmp_path) -> None:
    done, shown = report(made.trace, tmp_path / "page.html")
    assert shown is not None and warnings(done) == []
    assert shown["verified"] is True
    assert shown["said"] == f"verified by experiment: {DECISIVE} is the decisive call"
    assert shown["why"] == (f"re-asking from {DECISIVE} on, 2/2 passed (95% interval 34-100%); "
                            f"re-asking from {AFTER} on, 0/8 passed (95% interval 0-32%)")
    assert shown["agrees"] is False and shown["read"].endswith(f"; the experiment found {DECISIVE}")
    assert [row["cells"][0].split()[0] for row in shown["tried"]] == [tried["point"]["call"]
                                                                      for tried in made.report["tried"]]
    roles = {row["cells"][0].split()[0]: row["role"] for row in shown["tried"]}
    assert (roles[DECISIVE], roles[AFTER]) == ("decisive", "after")
    assert [fork for row in shown["tried"] for fork in row["forks"]] == made.forks
    assert all(row["row"] >= 0 for row in shown["tried"])  # each call is a span of the page


def test_markup_in_the_record_stays_text_on_the_page(made, tmp_path) -> None:
    record = json.loads(made.record.read_bytes())
    record["conclusion"]["why"] += MARKUP
    record["tried"][0]["point"]["agent"] = MARKUP
    trace = beside(made, tmp_path / "marked", json.dumps(record).encode())
    _, shown = report(trace, tmp_path / "page.html")
    assert shown is not None and shown["why"].endswith(MARKUP) and shown["tried"][0]["cells"][1] == MARKUP
    assert "<b>" not in (tmp_path / "page.html").read_text(encoding="utf-8")  # in the data as \u003cb\u003e


def test_a_damaged_record_is_one_warning_and_the_page_without_it(made, tmp_path) -> None:
    trace = beside(made, tmp_path / "damaged", made.record.read_bytes()[:-40])
    done, shown = report(trace, tmp_path / "page.html")
    assert shown is None
    assert len(warnings(done)) == 1 and "the experiment record is damaged" in warnings(done)[0]
    assert "Traceback" not in done.output


def test_a_record_of_the_wrong_types_is_refused(made, tmp_path) -> None:
    record = json.loads(made.record.read_bytes())
    record["tried"][0]["passes"] = "2"  # strict: no number read from a string
    done, shown = report(beside(made, tmp_path / "typed", json.dumps(record).encode()), tmp_path / "page.html")
    assert shown is None and len(warnings(done)) == 1 and "$.tried[0].passes" in warnings(done)[0]


def test_another_runs_record_is_refused_with_its_id_made_visible(made, tmp_path) -> None:
    record = json.loads(made.record.read_bytes())
    record["run_id"] = "other\x1b[31m"
    done, shown = report(beside(made, tmp_path / "other", json.dumps(record).encode()), tmp_path / "page.html")
    assert shown is None and len(warnings(done)) == 1
    assert "the experiment of run 'other\\x1b[31m'" in warnings(done)[0] and "\x1b" not in done.stderr


def test_a_record_that_is_a_link_is_not_followed(made, tmp_path) -> None:
    trace = beside(made, tmp_path / "linked", None)
    (trace.parent / made.record.name).symlink_to(made.record)
    done, shown = report(trace, tmp_path / "page.html")
    assert shown is None
    assert len(warnings(done)) == 1 and "is a symbolic link" in warnings(done)[0]


def test_a_run_with_no_record_has_no_experiment_and_no_warning(made, tmp_path) -> None:
    done, shown = report(beside(made, tmp_path / "none", None), tmp_path / "page.html")
    assert shown is None and warnings(done) == []


def test_runs_lists_each_fork_of_the_experiment_under_the_run(made) -> None:
    done = CliRunner().invoke(cli, ["runs", str(made.trace.parent), "--format", "json"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    rows = {row["run_id"]: row for row in json.loads(done.stdout)["runs"]}
    assert {(rows[fork]["parent"], rows[fork]["lineage"]) for fork in made.forks} == {(made.run_id, "fork")}
    table = CliRunner().invoke(cli, ["runs", str(made.trace.parent)], catch_exceptions=False).stdout
    for fork in made.forks:
        assert re.search(rf"{fork}\s.*\n↳ fork of {made.run_id}", table)
