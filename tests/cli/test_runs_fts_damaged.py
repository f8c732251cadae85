"""`runs DIR --grep TEXT` over a run index whose full-text table was damaged (its shadow tables changed: SQLite
says "vtable constructor failed", "malformed" or FTS5's "invalid fts5 file format ... run 'rebuild'"): the index
is a cache of the traces, so it is made again and the first `--grep` answers, exit 0, with one warning."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")
RUN_IDS = ("20261122-100000-aaaaaa", "20261122-100100-bbbbbb", "20261122-100200-cccccc")
DAMAGES = {
    "config-version": "UPDATE runs_text_config SET v = 99",  # an OperationalError: invalid fts5 file format
    "data-blocks": "UPDATE runs_text_data SET block = x'deadbeefdeadbeef' WHERE id > 1",  # a DatabaseError
    "random-blocks": "UPDATE runs_text_data SET block = randomblob(300) WHERE id > 10",  # malformed
}


def grep(directory: Path, text: str):
    return CliRunner().invoke(cli, ["runs", str(directory), "--grep", text, "--format", "json"],
                              catch_exceptions=False, env={"COLUMNS": "240", "NO_COLOR": "1"})


def folder_of_runs(directory: Path) -> None:
    directory.mkdir()
    for number, run_id in enumerate(RUN_IDS):
        trace = TraceBuilder(run_id)
        trace.run_start(f"agent{number}.py")
        trace.span("tool", "search", 5)
        trace.run_end()
        trace.write(directory / f"{run_id}.0000.jsonl")


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_the_first_grep_over_a_damaged_full_text_table_answers(tmp_path: Path, damage: str) -> None:
    directory = tmp_path / "traces"
    folder_of_runs(directory)
    assert grep(directory, "agent1").exit_code == 0  # the index made, its full-text table filled
    with sqlite3.connect(directory / ".namel3ss-runs.sqlite") as connection:
        connection.execute(damage)
    done = grep(directory, "agent1")
    assert done.exit_code == 0, done.output
    assert [row["run_id"] for row in json.loads(done.stdout)["runs"]] == [RUN_IDS[1]]
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "was corrupt" in warnings[0] and "rebuilt from the traces" in warnings[0], \
        done.stderr
