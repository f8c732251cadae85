"""The server of `view DIR`: the list of a directory's runs and its data, a run's page, two runs compared, the
directory's newest run; run ids looked up in the run index (an unknown one is a 404 page that says so, a
path-like one too); the Host check on every route; `since` polling of the list and of a run's data; a bounded
number of run pages kept read. The runs are real tracer output (`tests/runs/generate.py`)."""

from __future__ import annotations

import http.client
import json
import math
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from runs.generate import write_runs

from namel3ss_debug.ops.browse import KEEP, MAX_ROWS, PAGE_ROWS, REFRESH_S, RunsBrowser, open_browser
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest
from namel3ss_debug.ops.runs.catalogue import CatalogueRequest, open_catalogue
from namel3ss_debug.ops.runs.page import BINS, LEVELS
from namel3ss_debug.web.server import ViewServer

RUNS = 12


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory) -> tuple[Path, list[str]]:
    directory = tmp_path_factory.mktemp("runs") / "traces"
    return directory, write_runs(directory, RUNS, seed=2)


def serve(browser: RunsBrowser) -> ViewServer:
    server = ViewServer(browser, max_text=1000, on_error=lambda message: None)
    server.start()
    return server


@pytest.fixture(scope="module")
def served(runs_dir):
    directory, _ = runs_dir
    server = serve(open_browser(ReportRequest((str(directory),)), Environment(cwd=directory.parent)))
    yield server
    server.shutdown()
    server.server_close()


def get(server: ViewServer, path: str, host: str | None = None, method: str = "GET") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    connection.request(method, path, headers={"Host": host} if host is not None else {})
    return connection.getresponse()


def data_of(page: str) -> dict:
    """The data document inside a served page."""
    opening = '<script type="application/json" id="n3-data">'
    start = page.index(opening) + len(opening)
    return json.loads(page[start:page.index("</script>", start)])


def test_the_list_page_holds_every_run_newest_first(served, runs_dir) -> None:
    response = get(served, "/")
    document = data_of(response.read().decode())
    assert response.status == 200 and document["mode"] == "runs" and document["live"] is None
    assert [row["run_id"] for row in document["rows"]] == sorted(runs_dir[1], reverse=True)
    assert "files" not in document["rows"][0] and document["total"] == RUNS


def test_the_lists_data_takes_the_pages_filters_and_sort(served) -> None:
    every = json.loads(get(served, "/runs.json").read())["rows"]
    failed = json.loads(get(served, "/runs.json?status=failed").read())["rows"]
    assert failed and {row["run_id"] for row in failed} == {row["run_id"] for row in every if row["status"] == "failed"}
    by_tokens = json.loads(get(served, "/runs.json?sort=tokens&order=asc").read())["rows"]
    assert [row["total_tokens"] for row in by_tokens] == sorted(row["total_tokens"] for row in every)
    one = every[3]["run_id"]
    assert [row["run_id"] for row in json.loads(get(served, f"/runs.json?q={one}").read())["rows"]] == [one]


@pytest.mark.parametrize("query, said", [("sort=colour", "sort='colour' is not one of started"),
                                         ("lineage=all", "lineage='all' is not one of show, hide, only"),
                                         ("finding=loop:fatal", "the severity is not one of")])
def test_a_query_the_list_does_not_take_is_a_bad_request_that_says_why(served, query, said) -> None:
    response = get(served, f"/runs.json?{query}")
    assert response.status == 400 and said in response.read().decode()


def test_the_list_is_paged_on_the_server(served) -> None:
    every = json.loads(get(served, "/runs.json").read())
    assert every["schema"] == "namel3ss-debug/runs-page/v2"  # v1 held every row: a reader of it is told
    assert len(every["rows"]) == every["matched"] == RUNS and every["offset"] == 0 and every["limit"] == PAGE_ROWS
    page = json.loads(get(served, "/runs.json?offset=4&limit=5").read())
    assert page["rows"] == every["rows"][4:9] and page["matched"] == RUNS and page["offset"] == 4
    assert json.loads(get(served, "/runs.json?offset=10&limit=5").read())["rows"] == every["rows"][10:]
    failed = json.loads(get(served, "/runs.json?status=failed&limit=1").read())
    assert len(failed["rows"]) == 1 and failed["matched"] == sum(row["status"] == "failed" for row in every["rows"])


@pytest.mark.parametrize("query", ["offset=-1", "limit=0", "limit=ten", "limit=100001", "offset=%D9%A3"])
def test_a_page_out_of_range_is_a_bad_request_that_says_why(served, query) -> None:
    response = get(served, f"/runs.json?{query}")
    assert response.status == 400 and "is not a whole number from" in response.read().decode()


def _dots(rows: list[dict], figure: str, t0: float, t1: float, most: float) -> list[int]:
    """Where a dot per run falls among the chart's places (as `ops/runs/page.py` says it reduces them)."""
    places = set()
    for row in rows:
        if row[figure] is None or not row["started"]:
            continue
        at = datetime.fromisoformat(row["started"].replace("Z", "+00:00"))
        ms = at.replace(microsecond=at.microsecond // 1000 * 1000).timestamp() * 1000  # SQLite reads milliseconds
        place = min(BINS - 1, int((ms - t0) * BINS / (t1 - t0)))
        places.add((place, max(0, min(LEVELS, math.floor(row[figure] * LEVELS / (most or 1.0) + 0.5)))))
    return [number for pair in sorted(places) for number in pair]


@pytest.mark.parametrize("query", ["", "?status=failed", "?sort=cost&limit=2"])
def test_the_chart_is_a_dot_per_run_selected_reduced_to_the_places_the_page_can_tell_apart(served, query) -> None:
    shown = json.loads(get(served, f"/runs.json{query}").read())
    every = json.loads(get(served, f"/runs.json{query.split('&')[0] if 'status' in query else ''}"
                                   f"{'&' if 'status' in query else '?'}limit={MAX_ROWS}").read())["rows"]
    chart = shown["chart"]
    starts = [datetime.fromisoformat(row["started"].replace("Z", "+00:00")).timestamp() * 1000 for row in every]
    hour = 3_600_000 if min(starts) == max(starts) else 0  # runs of one instant: an hour either side
    assert abs(chart["t0_ms"] - (min(starts) - hour)) < 1 and abs(chart["t1_ms"] - (max(starts) + hour)) < 1
    assert (chart["bins"], chart["levels"]) == (BINS, LEVELS)
    for band, figure in (("cost", "cost_usd"), ("duration", "duration_ms"), ("errors", "errors")):
        [drawn] = [item for item in chart["bands"] if item["label"] == band]
        known = [row[figure] for row in every if row[figure] is not None]
        assert drawn["most"] == max(known, default=0) and drawn["unknown"] == len(every) - len(known)
        expected = _dots(every, figure, chart["t0_ms"], chart["t1_ms"], drawn["most"])
        # the same places, a time on a bin's edge in either of the two (SQLite reads days, this test milliseconds)
        assert len(drawn["points"]) == len(expected) and drawn["points"][1::2] == expected[1::2]
        assert all(abs(got - wanted) <= 1 for got, wanted in zip(drawn["points"][::2], expected[::2]))
    assert any(item["points"] for item in chart["bands"])


def test_a_list_with_no_run_has_no_chart(served) -> None:
    empty = json.loads(get(served, "/runs.json?q=no-such-run-anywhere").read())
    assert empty["rows"] == [] and empty["matched"] == 0 and empty["chart"] is None


def test_a_run_is_its_report_page_and_its_data(served, runs_dir) -> None:
    run_id = runs_dir[1][4]
    page = data_of(get(served, f"/run/{run_id}").read().decode())
    assert page["mode"] == "run" and page["runs"][0]["run_id"] == run_id and page["nav"]["list"] == "/"
    data = json.loads(get(served, f"/run/{run_id}/data").read())
    assert data["runs"][0]["run_id"] == run_id


def test_two_runs_are_their_comparison(served, runs_dir) -> None:
    base, new = runs_dir[1][1], runs_dir[1][6]
    page = data_of(get(served, f"/compare/{base}/{new}").read().decode())
    assert page["mode"] == "compare" and [run["run_id"] for run in page["runs"]] == [base, new]


def test_latest_is_the_directorys_newest_run(served, runs_dir) -> None:
    page = data_of(get(served, "/run/latest").read().decode())
    assert page["runs"][0]["run_id"] == max(runs_dir[1])


@pytest.mark.parametrize("path, named", [
    ("/run/20990101-000000-000000", "'20990101-000000-000000'"),
    ("/run/20990101-000000-000000/data", "'20990101-000000-000000'"),
    ("/run/..%2F..%2Fetc%2Fpasswd", "'../../etc/passwd'"),
    ("/compare/{known}/nope", "'nope'"),
])
def test_a_run_the_index_does_not_hold_is_a_404_page_that_names_it(served, runs_dir, path, named) -> None:
    response = get(served, path.format(known=runs_dir[1][0]))
    body = response.read().decode()
    assert response.status == 404 and response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert f"holds no run {named}" in body and "<script" not in body


@pytest.mark.parametrize("path", ["/run/a/b", "/compare/a", "/run", "/runs.json/x", "/data", "/etc/passwd"])
def test_any_other_path_is_not_found(served, path) -> None:
    assert get(served, path).status == 404


@pytest.mark.parametrize("path", ["/", "/runs.json", "/run/{run}", "/run/{run}/data", "/compare/{run}/{run}",
                                  "/run/latest", "/run/nope"])
def test_every_route_refuses_another_host_name(served, runs_dir, path) -> None:
    assert get(served, path.format(run=runs_dir[1][0]), host="attacker.example").status == 403


def test_head_answers_without_a_body(served, runs_dir) -> None:
    response = get(served, f"/run/{runs_dir[1][0]}", method="HEAD")
    assert response.status == 200 and int(response.getheader("Content-Length")) > 0 and response.read() == b""


def test_a_text_from_the_trace_in_a_404_is_escaped(served) -> None:
    body = get(served, "/run/%3Cimg%20src%3Dx%3E").read().decode()
    assert "&lt;img src=x&gt;" in body and "<img" not in body


def test_only_the_last_pages_opened_are_kept_read(runs_dir) -> None:
    directory, ids = runs_dir
    browser = open_browser(ReportRequest((str(directory),)), Environment(cwd=directory.parent))
    for run_id in ids[:KEEP + 3]:
        assert browser.run(run_id) is not None
    assert browser.kept == KEEP
    assert browser.run(ids[KEEP + 2]) is browser.run(ids[KEEP + 2])  # the page kept is the one served again


def test_following_the_list_polls_since_its_version_and_gets_the_runs_written_since(runs_dir, tmp_path) -> None:
    directory = tmp_path / "traces"
    first = write_runs(directory, 2, seed=3)
    later = write_runs(tmp_path / "later", 1, seed=4)[0]
    now = [0.0]
    catalogue = open_catalogue(CatalogueRequest(str(directory)), Environment(cwd=tmp_path))
    server = serve(RunsBrowser(catalogue, ReportRequest(), follow=True, clock=lambda: now[0]))
    try:
        document = json.loads(get(server, "/runs.json").read())
        assert {row["run_id"] for row in document["rows"]} == set(first) and document["live"]["poll_ms"] > 0
        version = document["live"]["version"]
        now[0] += REFRESH_S
        assert get(server, f"/runs.json?since={version}").status == 204
        assert get(server, f"/run/{later}").status == 404  # not written yet
        for path in (tmp_path / "later").glob("*.jsonl"):
            shutil.copy(path, directory / path.name)
        now[0] += REFRESH_S
        response = get(server, f"/runs.json?since={version}")
        document = json.loads(response.read())
        assert response.status == 200 and {row["run_id"] for row in document["rows"]} == {*first, later}
        assert document["version"] > version and get(server, f"/run/{later}").status == 200
    finally:
        server.shutdown()
        server.server_close()


def test_a_run_pages_data_is_no_content_while_the_run_is_unchanged(runs_dir, tmp_path) -> None:
    directory = tmp_path / "traces"
    run_id = write_runs(directory, 1, seed=5)[0]
    server = serve(open_browser(ReportRequest((str(directory),)), Environment(cwd=tmp_path), follow=True))
    try:
        document = json.loads(get(server, f"/run/{run_id}/data").read())
        assert document["live"]["data_url"] == f"/run/{run_id}/data"
        assert get(server, f"/run/{run_id}/data?since={document['live']['version']}").status == 204
    finally:
        server.shutdown()
        server.server_close()


def test_latest_of_a_followed_directory_with_no_run_yet_is_a_page_that_waits(tmp_path) -> None:
    (tmp_path / "traces").mkdir()
    server = serve(open_browser(ReportRequest((str(tmp_path / "traces"),)), Environment(cwd=tmp_path), follow=True))
    try:
        response = get(server, "/run/latest")
        body = response.read().decode()
        assert response.status == 200 and '<meta http-equiv="refresh" content="1">' in body
        assert f"no run in {tmp_path / 'traces'} yet" in body
        assert data_of(get(server, "/").read().decode())["rows"] == []
    finally:
        server.shutdown()
        server.server_close()
