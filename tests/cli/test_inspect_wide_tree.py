"""`inspect --tree` of a span with very many children: the first 10, the failed and the last 10 drawn, a line with
the exact count of the others and where they all are (`--format json`, which has every node); in time linear in
the children and in memory that does not grow with them (10^6 children took 111 s and 4.8 GB)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from badinput.harness import Bounds, spawn
from click.testing import CliRunner
from support.growth import assert_linear, cpu_seconds
from support.widetrees import write_wide_run

from namel3ss_debug.cli.main import cli


def inspect(*args: str):
    return CliRunner().invoke(cli, ["inspect", *args, "--no-cache"], catch_exceptions=False,
                              env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_a_wide_span_draws_its_first_failed_and_last_children_and_counts_the_rest(tmp_path: Path):
    trace = write_wide_run(tmp_path / "run.jsonl", 1000, failed={500})
    lines = inspect(str(trace), "--tree").stdout.splitlines()
    names = [line.split()[2] for line in lines[1:] if "tool_call" in line]
    assert names == [f"t{n}" for n in range(10)] + ["t500"] + [f"t{n}" for n in range(990, 1000)]
    assert lines[11] == "├── … 979 more spans under app.py, not drawn: --format json has them all"
    assert "ValueError: bad 500" in lines[12]
    assert len(lines) == 1 + 21 + 1


def test_the_count_says_what_was_under_the_children_cut_and_how_many_failed(tmp_path: Path):
    trace = write_wide_run(tmp_path / "run.jsonl", 40, failed=set(range(10, 25)), grandchildren=2)
    out = inspect(str(trace), "--tree").stdout
    # 40 children: 10 first, 10 failed kept, 10 last; 10 cut (5 of them failed), each with its 2 reads
    assert "… 30 more spans under app.py (10 children and the spans below them, 5 of them failed), not drawn" in out


def test_json_has_every_child_of_a_wide_span(tmp_path: Path):
    trace = write_wide_run(tmp_path / "run.jsonl", 1000, failed={500})
    nodes = orjson.loads(inspect(str(trace), "--tree", "--format", "json").stdout)["nodes"]
    assert len(nodes) == 1001 and nodes[0]["children"] == 1000
    assert [node["name"] for node in nodes[1:]] == [f"t{n}" for n in range(1000)]


def test_json_lines_streams_every_event_of_a_wide_span(tmp_path: Path):
    trace = write_wide_run(tmp_path / "run.jsonl", 1000)
    out = inspect(str(trace), "--tree", "--format", "jsonl").stdout
    assert [orjson.loads(line)["seq"] for line in out.splitlines()] == list(range(2002))


@pytest.mark.slow
def test_the_tree_of_a_wide_span_takes_linear_time(tmp_path: Path):
    small, big = 1_000, 16_000
    paths = {size: str(write_wide_run(tmp_path / f"run{size}.jsonl", size)) for size in (small, big)}
    assert_linear(lambda size: cpu_seconds(lambda: inspect(paths[size], "--tree"), tries=2), small, big)


@pytest.mark.slow
def test_the_tree_of_a_wide_span_takes_memory_that_does_not_grow_with_it(tmp_path: Path):
    """Peak RSS of the command (spawn's, its own): 16 times the children took about 16 times the memory when
    every child was kept and drawn (64,000 children: 345 MB); now the interpreter's own dominates (37 MB)."""
    small, big = 4_000, 64_000
    peaks = {}
    for size in (small, big):
        write_wide_run(tmp_path / f"run{size}.jsonl", size)
        argv = ["inspect", f"run{size}.jsonl", "--tree", "--no-cache"]
        outcome = spawn(argv, cwd=tmp_path, bounds=Bounds(seconds=120, mib=500))
        assert outcome.exit_code == 0, outcome.stderr
        peaks[size] = outcome.peak_mib
    assert peaks[big] < 1.5 * peaks[small], peaks
