"""`report` of a span with very many children: the page keeps the first 20,000, the failed (up to 2,000) and the
last 2,000 of them (`analysis.wide.PAGE`) and says exactly how many it leaves out, so that the page stays a few MB
(10^6 children made a 122 MB page); the analysis still counts every span."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from badinput.harness import Bounds, spawn
from click.testing import CliRunner
from support.growth import assert_linear, cpu_seconds
from support.widetrees import write_wide_run

from namel3ss_debug.analysis.wide import PAGE
from namel3ss_debug.cli.main import cli

WIDE = PAGE.first + PAGE.last + 1_000  # 1,000 children past what a page keeps, 3 of them failed
FAILED = {20_100, 20_500, 20_900}


def report(trace: Path, out: Path) -> str:
    result = CliRunner().invoke(cli, ["report", str(trace), "-o", str(out), "--no-cache", "--no-progress"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def data_of(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="n3-data">(.*?)</script>', text, re.S)
    assert found is not None
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def wide_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    directory = tmp_path_factory.mktemp("wide")
    page = directory / "wide.html"
    report(write_wide_run(directory / "run.jsonl", WIDE, failed=FAILED), page)
    return page, data_of(page)


def test_the_page_keeps_the_first_the_failed_and_the_last_children(wide_page: tuple[Path, dict[str, Any]]):
    _, data = wide_page
    names = data["runs"][0]["spans"]["name"]
    assert names[1:PAGE.first + 1] == [f"t{n}" for n in range(PAGE.first)]
    assert names[PAGE.first + 1:PAGE.first + 4] == [f"t{n}" for n in sorted(FAILED)]
    assert names[PAGE.first + 4:] == [f"t{n}" for n in range(WIDE - PAGE.last, WIDE)]


def test_the_page_counts_exactly_what_it_leaves_out_under_which_span(wide_page: tuple[Path, dict[str, Any]]):
    _, data = wide_page
    run = data["runs"][0]
    assert run["cut"] == [[0, 997, 997, 0]]  # under row 0 (the run): 997 children, 997 spans, none failed
    assert data["limits"]["children"] == {"first": PAGE.first, "last": PAGE.last, "failed": PAGE.failed}
    assert run["analysis"]["overview"]["spans"] == WIDE  # the figures still count every span (the run is none)


@pytest.mark.slow
def test_a_report_of_a_wide_span_takes_linear_time(tmp_path: Path):
    small, big = 1_000, 16_000
    paths = {size: write_wide_run(tmp_path / f"run{size}.jsonl", size, names=7) for size in (small, big)}
    assert_linear(lambda size: cpu_seconds(lambda: report(paths[size], tmp_path / "page.html"), tries=2), small, big)


@pytest.mark.slow
def test_the_page_of_a_wide_span_stays_small_and_the_memory_bounded(tmp_path: Path):
    """100,000 children (of 7 names) made an 11.1 MB page and took 373 MB (and 10^6 a 112 MB page); the page now
    holds 22,000 of them whatever the run's width, in about 2.5 MB. The peak is the command's own (spawn's)."""
    write_wide_run(tmp_path / "run.jsonl", 100_000, failed={50_000}, names=7)
    argv = ["report", "run.jsonl", "-o", "page.html", "--no-cache", "--no-progress"]
    outcome = spawn(argv, cwd=tmp_path, bounds=Bounds(seconds=300, mib=500))
    assert outcome.exit_code == 0, outcome.stderr
    assert (tmp_path / "page.html").stat().st_size < 4_000_000
    peak_mib = outcome.peak_mib
    assert peak_mib < 250, peak_mib
    assert data_of(tmp_path / "page.html")["runs"][0]["cut"] == [[0, 77_999, 77_999, 0]]
