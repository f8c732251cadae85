"""`namel3ss-debug view DIR`: the list of a directory's runs in headless Chromium. The list shows the runs, a
filter narrows it, a question shows where it parts from the others, a run opens as its report, two ticked open
as their comparison, a rerun links to its parent
and to the comparison of the two, a shared span URL opens with that span selected, and under --follow a run
written to the directory appears.

The runs are real tracer output (`tests/runs/generate.py`); the server is `view`'s own, in this process."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from runs.generate import write_runs
from runs.trips import Trip, record_trips

from namel3ss_debug.ops.browse import open_browser
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest
from namel3ss_debug.ops.runs.query import RunFilter, RunQuery
from namel3ss_debug.web.server import ViewServer

pytestmark = pytest.mark.browser

RUNS = 40  # seed 1 writes one rerun among them
HANG_S = 60  # against a hang only: each wait ends as soon as the page shows what it waits for
LEAST_PART = 15  # characters of the part that sets a question apart its cell must show


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory) -> tuple[Path, list[str]]:
    directory = tmp_path_factory.mktemp("runs") / "traces"
    return directory, write_runs(directory, RUNS, seed=1)


@contextmanager
def serving(directory: Path, *, follow: bool = False) -> Iterator[tuple[str, ViewServer]]:
    browser = open_browser(ReportRequest((str(directory),)), Environment(cwd=directory.parent), follow=follow)
    server = ViewServer(browser, max_text=1000, on_error=lambda message: None)
    server.start()
    try:
        yield server.url, server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def served(runs_dir) -> Iterator[tuple[str, ViewServer]]:
    with serving(runs_dir[0]) as answer:
        yield answer


def listed(browser) -> list[str]:
    return browser.js("return Array.from(document.querySelectorAll('#runs-table tr.run-row'), (tr) => tr.dataset.run)")


def test_the_list_shows_every_run_newest_first(browser, runs_dir, served) -> None:
    url, _ = served
    browser.open(url)
    ids = listed(browser)
    assert ids == sorted(runs_dir[1], reverse=True)
    assert browser.text("#runs-count") == f"{RUNS} of {RUNS} runs"
    assert browser.js("return document.querySelectorAll('#runs-chart path.dots').length") == 3  # cost, duration, errors


def test_show_more_asks_the_server_for_the_next_page_of_rows(browser, runs_dir, served) -> None:
    url, _ = served
    newest_first = sorted(runs_dir[1], reverse=True)
    browser.open(url + "?limit=15")
    assert listed(browser) == newest_first[:15] and browser.text("#runs-count") == f"{RUNS} of {RUNS} runs"
    assert browser.text("#runs-more") == f"show 15 more ({RUNS - 15} not shown)"
    browser.click("#runs-more")
    browser.wait_for("return document.querySelectorAll('#runs-table tr.run-row').length === 30", timeout=HANG_S,
                     message="show more never added the next page")
    assert listed(browser) == newest_first[:30]
    browser.click("#runs-more")
    browser.wait_for("return document.querySelectorAll('#runs-table tr.run-row').length === arguments[0]", RUNS,
                     timeout=HANG_S, message="show more never added the last page")
    assert listed(browser) == newest_first and browser.js("return document.getElementById('runs-more').hidden")


def test_a_filter_narrows_the_list_to_the_runs_the_index_selects(browser, served) -> None:
    url, server = served
    failed = {row.run_id for row in server.browser.catalogue.index.select(RunQuery(RunFilter(statuses=("failed",))))}
    assert 0 < len(failed) < RUNS
    browser.open(url)
    browser.choose("#runs-f-status", "failed")
    browser.wait_for("return document.querySelectorAll('#runs-table tr.run-row').length === arguments[0]", len(failed),
                     timeout=HANG_S, message="the status filter never narrowed the list")
    assert set(listed(browser)) == failed
    assert browser.js("return location.search") == "?status=failed"  # the list as filtered is a link too
    assert browser.text("#runs-count") == f"{len(failed)} of {RUNS} runs"


def test_a_late_answer_to_an_older_filter_does_not_replace_the_list_asked_for_since(browser, served) -> None:
    url, server = served
    statuses = {row.status for row in server.browser.catalogue.index.select(RunQuery())}
    other = sorted(statuses - {"failed"})[0]
    wanted = {row.run_id for row in server.browser.catalogue.index.select(RunQuery(RunFilter(statuses=(other,))))}
    browser.open(url)
    # The answer to `status=failed` is held until released; the one asked next comes first.
    browser.js("""
        const real = window.fetch;
        window.fetch = (url, options) => {
          if (!String(url).includes("status=failed")) return real(url, options);
          return new Promise((resolve) => { window.releaseHeld = () => resolve(real(url, options).then((res) => {
            const json = res.json.bind(res);
            res.json = () => json().then((doc) => { setTimeout(() => { window.heldRead = true; }, 0); return doc; });
            return res;
          })); });
        };""")
    browser.choose("#runs-f-status", "failed")
    browser.wait_for("return typeof window.releaseHeld === 'function'", timeout=HANG_S)
    browser.choose("#runs-f-status", other)
    browser.wait_for("return document.querySelectorAll('#runs-table tr.run-row').length === arguments[0]", len(wanted),
                     timeout=HANG_S, message=f"the list never showed the status {other}")
    browser.js("window.releaseHeld()")
    browser.wait_for("return window.heldRead === true", timeout=HANG_S, message="the held answer was never read")
    browser.next_frame()
    assert set(listed(browser)) == wanted
    assert browser.js("return location.search") == f"?status={other}"
    assert browser.text("#runs-count") == f"{len(wanted)} of {RUNS} runs"


def test_the_search_box_finds_a_run_by_its_id(browser, runs_dir, served) -> None:
    url, _ = served
    wanted = runs_dir[1][5]
    browser.open(url)
    browser.type("#runs-search", wanted)
    browser.wait_for("return document.querySelectorAll('#runs-table tr.run-row').length === 1", timeout=HANG_S,
                     message="the search never narrowed the list")
    assert listed(browser) == [wanted]


def test_each_run_shows_its_question_and_answer_as_text_and_the_search_box_finds_by_them(browser, tmp_path) -> None:
    hostile = Trip("Oslo", question="<img src=x onerror=alert(1)> in Oslo?", answer="<b>Snow</b>\nall week")
    trips = [Trip("Paris"), hostile, Trip("Rome", question="Where is the Louvre?", answer="The Louvre is in Paris.")]
    run_ids = record_trips(tmp_path / "trips", trips)
    with serving(tmp_path / "trips") as (url, _):
        browser.open(url)
        said = browser.js("return Array.from(document.querySelectorAll('#runs-table tr.run-row'), (tr) => "
                          "[tr.dataset.run, tr.querySelector('td.input').textContent, "
                          "tr.querySelector('td.output').textContent])")
        assert said == [[run_id, trip.asked, " ".join(trip.said.split())]
                        for run_id, trip in reversed(list(zip(run_ids, trips)))]
        assert browser.js("return document.querySelectorAll('#runs-table img, #runs-table b').length") == 0
        browser.type("#runs-search", "paris")
        browser.wait_for("return document.querySelectorAll('#runs-table tr.run-row').length === 2", timeout=HANG_S,
                         message="the search never narrowed the list to the runs that name Paris")
        assert set(listed(browser)) == {run_ids[0], run_ids[2]}


TICKET = "Read the customer's ticket below, say which team owns it and how urgent it is, in one line: "
TICKETS = {"Billing": "my invoice for March was charged twice", "Auth": "login loops after SSO",
           "Exports": "CSV export times out after 30 seconds"}
# whether `part` of a cell's question is drawn inside the cell: its right edge within the cell's content box
PART_SHOWN = """const [cell, part] = arguments, text = cell.firstChild.firstChild, at = text.data.indexOf(part);
if (at < 0) return null;
const range = document.createRange(); range.setStart(text, at); range.setEnd(text, at + part.length);
const edge = cell.getBoundingClientRect().right - parseFloat(getComputedStyle(cell).paddingRight);
return range.getBoundingClientRect().right <= edge;"""


def test_questions_alike_at_their_start_show_where_they_part_within_their_cell(browser, tmp_path) -> None:
    trips = [Trip(team, question=TICKET + issue, answer=f"Team {team}.") for team, issue in TICKETS.items()]
    run_ids = record_trips(tmp_path / "tickets", trips)
    with serving(tmp_path / "tickets") as (url, _):
        browser.open(url)
        for run_id, trip in zip(run_ids, trips):
            cell = browser.driver.find_element("css selector", f"tr.run-row[data-run='{run_id}'] td.input")
            part = TICKETS[trip.city][:LEAST_PART]
            assert cell.text.startswith("…") and cell.find_element("css selector", "span").get_attribute("title") \
                == trip.asked
            assert browser.driver.execute_script(PART_SHOWN, cell, part), (cell.text, part)


def test_a_column_click_sorts_the_list(browser, served) -> None:
    url, server = served
    by_cost = [row.run_id for row in server.browser.catalogue.index.select(RunQuery(sort="cost", descending=True))]
    browser.open(url)
    browser.click("#runs-table th[data-sort='cost']")
    browser.wait_for("return location.search === '?sort=cost&order=desc'", timeout=HANG_S)
    browser.wait_for("return document.querySelector('#runs-table tr.run-row').dataset.run === arguments[0]", by_cost[0],
                     timeout=HANG_S, message="the list was never sorted by cost")
    assert listed(browser) == by_cost


def test_opening_a_run_shows_its_report(browser, runs_dir, served) -> None:
    url, _ = served
    run_id = runs_dir[1][3]
    browser.open(url)
    browser.click(f"#runs-table tr.run-row[data-run='{run_id}'] a.run-link")
    browser.wait_for("return location.pathname === arguments[0] && document.body.dataset.ready === '1'",
                     f"/run/{run_id}", timeout=HANG_S, message="the run's page never opened")
    assert run_id in browser.text("#run-head") and "← all runs" in browser.text("#run-head")
    assert browser.js("return N3.doc.mode") == "run" and browser.js("return N3.view().model.n") > 3


def test_two_runs_ticked_open_their_comparison_older_as_base(browser, runs_dir, served) -> None:
    url, _ = served
    older, newer = runs_dir[1][2], runs_dir[1][9]
    browser.open(url)
    assert browser.js("return document.getElementById('runs-compare').disabled")
    browser.click(f"#runs-table input[data-run='{newer}']")
    browser.click(f"#runs-table input[data-run='{older}']")
    browser.click("#runs-compare")
    browser.wait_for("return location.pathname === arguments[0] && document.body.dataset.ready === '1'",
                     f"/compare/{older}/{newer}", timeout=HANG_S, message="the comparison never opened")
    assert browser.js("return N3.doc.mode") == "compare"
    assert browser.js("return [N3.doc.runs[0].run_id, N3.doc.runs[1].run_id]") == [older, newer]
    assert not browser.js("return document.getElementById('view-compare').hidden")


def test_a_rerun_links_to_its_parent_and_to_the_comparison_of_the_two(browser, served) -> None:
    url, server = served
    reruns = [row for row in server.browser.catalogue.index.select(RunQuery(RunFilter(lineage="only")))
              if server.browser.row(row.parent) is not None]
    assert reruns, "the generated runs hold no rerun of a listed run: choose another seed"
    rerun = reruns[0]
    browser.open(url)
    line = browser.text(f"#runs-table tr[data-run='{rerun.run_id}'] .lineage-line")
    assert line == f"{rerun.lineage} of {rerun.parent} · compare with it"
    browser.click(f"#runs-table tr[data-run='{rerun.run_id}'] a.compare-parent")
    browser.wait_for("return location.pathname === arguments[0] && document.body.dataset.ready === '1'",
                     f"/compare/{rerun.parent}/{rerun.run_id}", timeout=HANG_S, message="no comparison with the parent")
    browser.open(f"{url}run/{quote(rerun.run_id)}")
    assert f"parent run {rerun.parent}" in browser.text("#run-head .nav-line")
    browser.click("#run-head a.nav-parent")
    browser.wait_for("return location.pathname === arguments[0]", f"/run/{rerun.parent}", timeout=HANG_S)


def span_of(trace_dir: Path, run_id: str, name: str) -> str:
    """The span id of the run's first span of that name (read from its trace, as a user copies it)."""
    for segment in sorted(trace_dir.glob(f"{run_id}.*.jsonl")):
        for line in segment.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event["name"] == name and event["event_type"].endswith("_start"):
                return event["span_id"]
    raise AssertionError(f"no span {name} in run {run_id}")


def test_a_shared_span_url_opens_the_run_with_that_span_selected(browser, runs_dir, served) -> None:
    url, _ = served
    directory, ids = runs_dir
    run_id = ids[4]
    sid = span_of(directory, run_id, "search_docs")
    browser.open(f"{url}run/{quote(run_id)}#span={sid}")
    assert browser.js("return document.body.dataset.selected") == sid
    assert browser.js("const v = N3.view(); return v.model.sid[v.sel]") == sid
    assert "search_docs" in browser.text("#details")
    browser.click("#tree .span-row[data-sid]:not(.selected)")  # another span selected: the address names it
    other = browser.js("return document.body.dataset.selected")
    assert other != sid and browser.js("return location.hash") == f"#span={other}"


def test_an_unknown_run_is_a_page_that_says_so(browser, served) -> None:
    url, _ = served
    browser.open(f"{url}run/20990101-000000-000000", ready=False)
    assert browser.text("h1") == "no such run" and "holds no run '20990101-000000-000000'" in browser.text("body")
    browser.allow_log("404 (Not Found)")


def test_under_follow_a_run_written_to_the_directory_appears(browser, tmp_path) -> None:
    directory = tmp_path / "traces"
    first = write_runs(directory, 3, seed=5)
    later = tmp_path / "later"
    added = write_runs(later, 1, seed=6)[0]
    with serving(directory, follow=True) as (url, _):
        browser.open(url)
        assert listed(browser) == sorted(first, reverse=True)
        assert browser.js("return document.body.dataset.live") == "live"
        for path in later.glob(f"{added}.*.jsonl"):
            shutil.copy(path, directory / path.name)
        browser.wait_for("return !!document.querySelector(\"#runs-table tr.fresh[data-run='\" + arguments[0] + \"']\")",
                         added, timeout=HANG_S, message="the run written since never appeared")
        assert set(listed(browser)) == {*first, added}


def test_a_report_file_opened_with_a_span_in_its_address_selects_it(browser, runs_dir, make_report, tmp_path) -> None:
    directory, ids = runs_dir
    sid = span_of(directory, ids[6], "ask_model")
    page = make_report(directory / f"{ids[6]}.0000.jsonl", out=tmp_path / "run.html")
    browser.open(page.resolve().as_uri() + f"#span={sid}")
    assert browser.js("return document.body.dataset.selected") == sid and "ask_model" in browser.text("#details")
