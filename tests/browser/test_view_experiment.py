"""What `diagnose --experiment` found, on the page of the run in headless Chromium: `view DIR`'s run page shows the
verdict beside the blame, the rescue rates and the fork points tried; a call selects its span, a fork's run id opens
that fork's page (listed under the run, `fork of RUN at CALL (reask)`); on a report file, markup in the record is
shown as text.

The run and its experiment are made once for the module (`support/experimentruns.py`); the server is `view`'s own,
in this process. Every step waits on what the page shows: no wall-clock budget, only a limit against a hang."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from support.experimentruns import DECISIVE, ExperimentRun, experiment_run

from namel3ss_debug.ops.browse import open_browser
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest
from namel3ss_debug.web.server import ViewServer

pytest.importorskip("openai")
pytestmark = pytest.mark.browser

HANG_S = 60  # against a hang only
MARKUP = '<b>bold</b><img src=x onerror="document.title=1">'


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> ExperimentRun:
    return experiment_run(tmp_path_factory.mktemp("experiment"))


@pytest.fixture(scope="module")
def served(made: ExperimentRun) -> Iterator[str]:
    directory = made.trace.parent
    browser = open_browser(ReportRequest((str(directory),)), Environment(cwd=directory.parent), follow=False)
    server = ViewServer(browser, max_text=1000, on_error=lambda message: None)
    server.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()


def open_run(browser: Any, url: str, run_id: str) -> None:
    browser.open(url + "run/" + quote(run_id, safe=""), timeout=HANG_S)


def test_the_run_page_shows_the_verdict_the_rates_and_the_points_tried(browser, made, served) -> None:
    open_run(browser, served, made.run_id)
    said = f"verified by experiment: {DECISIVE} is the decisive call"
    assert browser.text("#findings .findings-experiment") == said
    assert browser.text("#findings .experiment .experiment-said") == said
    assert browser.text("#findings .experiment-why") == made.report["conclusion"]["why"]
    assert "differs from the blame read from the log" in browser.text("#findings .experiment")
    rows = browser.js("return [...document.querySelectorAll('#findings .experiment-points tbody tr')]"
                      ".map((tr) => tr.cells[0].innerText)")
    assert [row.split()[0] for row in rows] == [tried["point"]["call"] for tried in made.report["tried"]]
    assert browser.text("#findings .experiment-points tr.point-decisive td").startswith(DECISIVE)


def test_a_fork_links_to_its_page_which_names_the_run_and_the_reask(browser, made, served) -> None:
    open_run(browser, served, made.run_id)
    links = browser.js("return [...document.querySelectorAll('#findings a.fork-link')].map((a) => a.pathname)")
    assert links == ["/run/" + quote(fork, safe="") for fork in made.forks]
    decisive = next(tried for tried in made.report["tried"] if tried["point"]["call"] == DECISIVE)
    browser.click(f"#findings a.fork-link[href$='{decisive['forks'][0]}']")
    browser.wait_for("return document.querySelector('#run-head .rerun-of')", timeout=HANG_S,
                     message="the fork's page never showed its lineage")
    assert browser.text("#run-head .rerun-of").startswith(f"fork of {made.run_id} at {DECISIVE} (reask)")


def test_a_call_of_the_table_selects_its_span(browser, made, served) -> None:
    open_run(browser, served, made.run_id)
    browser.click("#findings .experiment-points tr.point-decisive button.link")
    browser.wait_for("return document.body.dataset.selected", timeout=HANG_S, message="the call selected nothing")
    seq = browser.js("const m = N3.view().model; return m.seq[m.rowOfSid(document.body.dataset.selected)]")
    assert seq == made.report["conclusion"]["decisive"]["seq"]


def test_markup_in_the_record_is_shown_as_text_on_a_report(browser, made, make_report: Callable[..., Path],
                                                           tmp_path) -> None:
    record = json.loads(made.record.read_bytes())
    record["conclusion"]["why"] += MARKUP
    record["tried"][0]["point"]["agent"] = MARKUP
    (tmp_path / "run").mkdir()
    trace = tmp_path / "run" / made.trace.name
    shutil.copyfile(made.trace, trace)
    (trace.parent / made.record.name).write_text(json.dumps(record))
    browser.open(make_report(trace, out=tmp_path / "page.html"), timeout=HANG_S)
    assert browser.text("#findings .experiment-why").endswith(MARKUP)
    assert MARKUP in browser.text("#findings .experiment-points tbody tr")
    assert browser.js("return document.querySelectorAll('.experiment b, .experiment img').length") == 0
    assert browser.js("return document.title") != "1"
    assert browser.js("return document.querySelectorAll('#findings a.fork-link').length") == 0  # no view to link to
