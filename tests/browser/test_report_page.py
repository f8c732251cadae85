"""The page `namel3ss-debug report` writes, opened in headless Chromium and used through real clicks and keys.

Each example app is traced once per session (`example_trace`), its report built by the real command
(`make_report`); the `browser` fixture checks after every test that the browser logged no error or warning.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.stubs import LoopbackServer, Reply, Request
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.render.report.html import page_html

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "namel3ss_debug" / "render" / "web"
EXAMPLES = ("research_agent", "async_multi_agent", "chain_app", "openai_app")
SCRIPT = "<script>window.PWNED=1</script>"
IMG = '<img src=x onerror="window.PWNED=1">'
BIG = 100_000
# the search has filtered the tree and is no longer running
SEARCH_DONE = ("return document.getElementById('f-count').classList.contains('filtered')"
               " && !document.body.dataset.searching")


# -- helpers --------------------------------------------------------------------------------------------------

def tree_rows(browser: Any) -> dict[str, dict[str, Any]]:
    """Every row of the virtualised tree, by span id, found by scrolling it from the top to the bottom."""
    rows: dict[str, dict[str, Any]] = {}
    browser.js("document.getElementById('tree').scrollTop = 0")
    while True:
        browser.next_frame()
        shown, at_end = browser.js("""
            const tree = document.getElementById('tree');
            const rows = [...tree.querySelectorAll('.span-row')].map((r) => ({sid: r.dataset.sid,
                row: Number(r.dataset.row), dimmed: r.classList.contains('dimmed'), text: r.innerText}));
            return [rows, tree.scrollTop + tree.clientHeight >= tree.scrollHeight - 1];""")
        rows.update((row["sid"], row) for row in shown)
        if at_end:
            return rows
        browser.js("const t = document.getElementById('tree'); t.scrollTop += Math.floor(t.clientHeight * 0.8);")


def click_row(browser: Any, sid: str) -> None:
    """Scroll the tree until the span's row is rendered, then click it (a real click)."""
    selector = f"#tree .span-row[data-sid='{sid}']"
    browser.js("document.getElementById('tree').scrollTop = 0")
    for _ in range(10_000):
        browser.next_frame()
        if browser.js("return !!document.querySelector(arguments[0])", selector):
            browser.click(selector + " .name")
            return
        assert not browser.js("const t = document.getElementById('tree');"
                              "return t.scrollTop + t.clientHeight >= t.scrollHeight - 1"), f"no row for span {sid}"
        browser.js("const t = document.getElementById('tree'); t.scrollTop += Math.floor(t.clientHeight * 0.8);")


def details_name(browser: Any) -> str:
    return browser.text("#details .detail-name")


# Recorded in the page from now on: each state of the details panel (its text, and whether its payloads are
# still being read), in window.__panel.
WATCH_PANEL = """
window.__panel = [];
const box = document.getElementById('details');
new MutationObserver(() => window.__panel.push({text: box.innerText, pending: !!box.dataset.pending}))
  .observe(box, {childList: true, subtree: true, attributes: true});
"""


def find(events: list[dict[str, Any]], event_type: str, name: str, status: str | None = None) -> dict[str, Any]:
    return next(e for e in events if e["event_type"] == event_type and e["name"] == name
                and (status is None or e["status"] == status))


def ancestors(events: list[dict[str, Any]], span_id: str) -> set[str]:
    """The span and every span above it."""
    parent = {e["span_id"]: e["parent_id"] for e in events if not e["event_type"].endswith("_end")}
    found = set()
    while span_id is not None:
        found.add(span_id)
        span_id = parent.get(span_id)
    return found


def modified_copy(trace: Path, directory: Path, rename: tuple[str, str], nth: int) -> Path:
    """The run again under another run id, with its `nth` call of `rename[0]` renamed `rename[1]`."""
    events = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines() if line.strip()]
    old_id = events[0]["run_id"]
    new_id = old_id[:-6] + "c0ffee"
    target = [e["span_id"] for e in events if e["event_type"].endswith("_start") and e["name"] == rename[0]][nth]
    for event in events:
        event["run_id"] = new_id
        if event["event_type"] == "segment_start":
            event["name"] = event["name"].replace(old_id, new_id)
        if event["span_id"] == target:
            event["name"] = rename[1]
    directory.mkdir(parents=True, exist_ok=True)
    out = directory / f"{new_id}.0000.jsonl"
    out.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    return out


def page_data(report: Path) -> dict[str, Any]:
    """The data document inside a report file."""
    text = report.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="n3-data">(.*?)</script>', text, re.DOTALL)
    assert found, f"no data in {report}"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def research(example_trace: Callable[..., Path], make_report: Callable[..., Path]) -> tuple[Path, Path]:
    """research_agent.py's trace and its report."""
    trace = example_trace("research_agent")
    return trace, make_report(trace)


# -- every example ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("app", EXAMPLES)
def test_each_example_report_opens_without_a_console_error(browser: Any, example_trace: Callable[..., Path],
                                                          make_report: Callable[..., Path], app: str,
                                                          tmp_path: Path) -> None:
    browser.open(make_report(example_trace(app)))
    shot = browser.screenshot(tmp_path / f"{app}.report.png")
    assert shot.stat().st_size > 10_000
    assert browser.problems() == []


@pytest.mark.parametrize("app", EXAMPLES)
def test_the_tree_has_one_row_per_span_of_the_trace(browser: Any, example_trace: Callable[..., Path],
                                                   make_report: Callable[..., Path],
                                                   span_ids: Callable[[Path], set[str]], app: str) -> None:
    trace = example_trace(app)
    browser.open(make_report(trace))
    rows = tree_rows(browser)
    assert set(rows) == span_ids(trace)
    assert browser.text("#f-count") == f"{len(rows):,} of {len(rows):,} spans"


# -- details -----------------------------------------------------------------------------------------------

def test_clicking_the_failed_search_shows_its_timeout_error(browser: Any, research: tuple[Path, Path],
                                                            trace_events: Callable) -> None:
    trace, report = research
    failed = find(trace_events(trace), "tool_call_end", "search", status="failed")
    browser.open(report)
    browser.js(WATCH_PANEL)
    click_row(browser, failed["span_id"])
    error_text = browser.wait_for("const e = document.getElementById('detail-error'); return e && e.innerText")
    assert "TimeoutError" in error_text
    browser.wait_for("return !document.getElementById('details').dataset.pending")
    seen = browser.js("return window.__panel")
    assert seen[0]["pending"] and failed["name"] in seen[0]["text"]  # the columns at once, the payloads after
    assert not any("no error recorded" in shot["text"] for shot in seen)  # and no error box before the error
    assert failed["error"]["message"] in error_text
    assert "Traceback" in error_text  # the stack
    assert browser.js("return document.querySelector('#tree .span-row.selected').dataset.sid") == failed["span_id"]


def test_an_llm_call_shows_its_conversation_with_the_tool_call_and_its_result(
        browser: Any, example_trace: Callable[..., Path], make_report: Callable[..., Path],
        trace_events: Callable) -> None:
    trace = example_trace("openai_app")
    second = [e for e in trace_events(trace) if e["event_type"] == "llm_call_start"][1]
    call_id = second["inputs"]["messages"][1]["tool_calls"][0]["id"]
    browser.open(make_report(trace))
    click_row(browser, second["span_id"])
    conversation = browser.wait_for("const e = document.getElementById('conversation'); return e && e.innerText")
    assert "What is the weather in Paris?" in conversation
    call = browser.element(f"#conversation .tool-call[data-call-id='{call_id}']")
    result = browser.element(f"#conversation .tool-result[data-call-id='{call_id}']")
    assert "get_weather" in call.text and "Paris" in call.text
    assert "light rain, 14 C" in result.text
    assert "Echo: What is the weather in Paris?" in conversation  # this call's answer


def test_a_click_on_the_timeline_selects_the_span_in_the_tree(browser: Any, research: tuple[Path, Path],
                                                              trace_events: Callable) -> None:
    from selenium.webdriver.common.action_chains import ActionChains  # noqa: PLC0415 - optional: skipped without it

    trace, report = research
    writer = find(trace_events(trace), "llm_call_start", "writer")
    browser.open(report)
    canvas = browser.element("#timeline")
    point = browser.js("return N3.timeline.pointOf(N3.view().model.rowOfSid(arguments[0]))", writer["span_id"])
    size = canvas.size
    ActionChains(browser.driver).move_to_element_with_offset(
        canvas, int(point["x"] - size["width"] / 2), int(point["y"] - size["height"] / 2)).click().perform()
    browser.wait_for("return document.body.dataset.selected === arguments[0]", writer["span_id"])
    assert details_name(browser) == "writer"
    assert browser.js("return document.querySelector('#tree .span-row.selected').dataset.sid") == writer["span_id"]


def test_the_arrow_keys_move_the_selection_down_the_tree(browser: Any, research: tuple[Path, Path]) -> None:
    from selenium.webdriver.common.keys import Keys  # noqa: PLC0415 - optional: skipped without it

    _, report = research
    browser.open(report)
    browser.click("#tree .span-row[data-row='0'] .name")
    browser.keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    browser.wait_for("return document.body.dataset.selected === N3.view().model.sid[2]")
    assert browser.js("return document.querySelector('#tree .span-row.selected').dataset.row") == "2"


def test_the_wheel_zooms_the_timeline_in(browser: Any, research: tuple[Path, Path]) -> None:
    from selenium.webdriver.common.action_chains import ActionChains  # noqa: PLC0415 - optional: skipped without it
    from selenium.webdriver.common.actions.wheel_input import ScrollOrigin  # noqa: PLC0415 - as above

    _, report = research
    browser.open(report)
    before = browser.js("const v = N3.view(); return v.t1 - v.t0")
    ActionChains(browser.driver).scroll_from_origin(ScrollOrigin.from_element(browser.element("#timeline"), 100, 0),
                                                    0, -300).perform()
    browser.next_frame()
    after = browser.js("const v = N3.view(); return v.t1 - v.t0")
    assert after < before * 0.7


# -- filters -------------------------------------------------------------------------------------------------

def test_errors_only_leaves_the_failed_span_and_its_ancestors(browser: Any, research: tuple[Path, Path],
                                                             trace_events: Callable) -> None:
    trace, report = research
    events = trace_events(trace)
    failed = find(events, "tool_call_end", "search", status="failed")
    browser.open(report)
    browser.click("#f-errors")
    rows = tree_rows(browser)
    assert set(rows) == ancestors(events, failed["span_id"])
    assert [sid for sid, row in rows.items() if not row["dimmed"]] == [failed["span_id"]]
    assert browser.text("#f-count").startswith("1 of ")


def test_text_search_finds_the_spans_whose_payload_holds_the_text(browser: Any, research: tuple[Path, Path],
                                                                  trace_events: Callable) -> None:
    trace, report = research
    events = trace_events(trace)
    needle = "p-n junction"  # in fetch_page's output and the memory notes, in no name
    holding = {e["span_id"] for e in events if needle in json.dumps(e)}
    assert holding and not any(needle in e["name"] for e in events)
    browser.open(report)
    browser.type("#f-search", needle)
    browser.wait_for(SEARCH_DONE)
    rows = tree_rows(browser)
    assert {sid for sid, row in rows.items() if not row["dimmed"]} == holding
    assert browser.text("#f-count") == f"{len(holding)} of {len(span_ids_of(events))} spans"


def span_ids_of(events: list[dict[str, Any]]) -> set[str]:
    """The rows a page shows: every event but the `*_end` ones and the file markers (`segment_start`)."""
    return {e["span_id"] for e in events if not e["event_type"].endswith("_end") and e["event_type"] != "segment_start"}


def test_dragging_on_the_time_axis_filters_by_time_range(browser: Any, research: tuple[Path, Path]) -> None:
    from selenium.webdriver.common.action_chains import ActionChains  # noqa: PLC0415 - optional: skipped without it

    _, report = research
    browser.open(report)
    canvas = browser.element("#timeline")
    width, height = canvas.size["width"], canvas.size["height"]
    ActionChains(browser.driver).move_to_element_with_offset(canvas, int(width * 0.3), 10 - height // 2) \
        .click_and_hold().move_by_offset(60, 0).move_by_offset(60, 0).release().perform()
    browser.wait_for("return !document.getElementById('f-range').hidden")
    shown, total = re.match(r"([\d,]+) of ([\d,]+) spans", browser.text("#f-count")).groups()
    assert int(shown.replace(",", "")) < int(total.replace(",", ""))
    browser.click("#f-range-clear")
    assert browser.text("#f-count") == f"{total} of {total} spans"


# -- details chunks ---------------------------------------------------------------------------------------------

CHUNKED = 6_000  # six chunks of details


@pytest.fixture(scope="module")
def chunked(tmp_path_factory: pytest.TempPathFactory, make_report: Callable[..., Path],
            big_trace: Callable[[Path, int], Path]) -> tuple[Path, Path]:
    """A synthetic run of 6,000 spans (six details chunks) and its report."""
    directory = tmp_path_factory.mktemp("chunked")
    trace = big_trace(directory / "20261123-120000-b16b16.0000.jsonl", CHUNKED)
    return trace, make_report(trace, out=directory / "chunked.html")


def test_details_chunks_are_gzip_in_base64_and_read_only_when_a_row_in_them_is_shown(
        browser: Any, chunked: tuple[Path, Path]) -> None:
    _, report = chunked
    data = page_data(report)
    assert data["limits"]["details"] == "gzip+base64" and len(data["runs"][0]["details"]) == 6
    browser.open(report)
    assert browser.js("return N3.view().model.chunks.filter(Boolean).length") == 0
    row = 4321
    browser.js("N3.select(arguments[0], 'link')", row)
    browser.wait_for("return !document.getElementById('details').dataset.pending")
    sid = browser.js("return N3.view().model.sid[arguments[0]]", row)
    assert browser.js("return Array.from(N3.view().model.chunks, Boolean)") == [False] * 4 + [True, False]
    assert details_name(browser) == browser.js("return N3.view().model.name[arguments[0]]", row)
    assert f'"span_id": "{sid}"' in browser.js("return document.querySelector('#details .raw').textContent")
    assert '"row": 4321' in browser.text("#details")  # its inputs: the row it was written as


def test_a_late_chunk_does_not_replace_the_span_selected_since(browser: Any, chunked: tuple[Path, Path]) -> None:
    _, report = chunked
    browser.open(report)
    browser.driver.execute_async_script("N3.view().model.loadChunk(0).then(() => arguments[0]())")
    # 5,500 is in a chunk not read yet; 10 in one already read: its details show at once, and stay
    browser.js("N3.select(5500, 'link'); N3.select(10, 'link');")
    assert browser.js("return !document.getElementById('details').dataset.pending")
    browser.wait_for("return !!N3.view().model.chunks[5]", message="chunk 5 was never read")
    browser.next_frame()
    sid = browser.js("return N3.view().model.sid[10]")
    assert browser.js("return document.body.dataset.selected") == sid
    assert details_name(browser) == browser.js("return N3.view().model.name[10]")
    assert f'"span_id": "{sid}"' in browser.js("return document.querySelector('#details .raw').textContent")


def test_a_search_reads_every_chunk_saying_how_far_it_got(browser: Any, chunked: tuple[Path, Path],
                                                         trace_events: Callable) -> None:
    trace, report = chunked
    needle = "answer 700"  # the output of request 700's two LLM calls, in the last chunk, in no name
    holding = {e["span_id"] for e in trace_events(trace) if e.get("outputs") == {"text": needle}}
    assert len(holding) == 2
    browser.open(report)
    browser.js("""window.__states = [];
        new MutationObserver((records) => {
          for (const r of records) for (const n of r.addedNodes) window.__states.push(n.textContent);
        }).observe(document.getElementById('search-state'), {childList: true, subtree: true});""")
    browser.type("#f-search", needle)
    browser.wait_for(SEARCH_DONE)
    assert browser.text("#f-count") == f"2 of {CHUNKED:,} spans"
    match = browser.js("const v = N3.view();"
                       " return [...v.match.keys()].filter((i) => v.match[i]).map((i) => v.model.sid[i])")
    assert set(match) == holding
    states = browser.js("return window.__states")
    assert any(re.fullmatch(r"searching… \d+%", state) for state in states), states
    assert "searching… 100%" in states


# -- safety ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory, make_report: Callable[..., Path]) -> tuple[Path, dict]:
    """A run whose names, model, inputs, outputs and error hold markup that would run if parsed as HTML."""
    trace = TraceBuilder(run_id="20261123-100000-badbad")
    trace.run_start(name="app.py")
    agent = trace.start("agent", IMG)
    hostile = trace.span("llm", "ask " + SCRIPT, 5, agent, status="failed", model=SCRIPT,
                         inputs={"prompt": SCRIPT, "html": IMG},
                         outputs={"text": IMG + " and " + SCRIPT},
                         usage={"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
                         error=error("ValueError", "bad <n3x>input</n3x> " + IMG + SCRIPT, "parameter"))
    terminal = trace.span("tool", "echo \x1b[31mred\x1b[0m", 2, agent)
    trace.end(agent, 10)
    trace.run_end()
    directory = tmp_path_factory.mktemp("hostile")
    path = trace.write(directory / "20261123-100000-badbad.0000.jsonl")
    return make_report(path), {"llm": hostile, "agent": agent, "terminal": terminal}


def test_markup_in_a_trace_is_shown_as_text_and_runs_nothing(browser: Any, hostile_report: tuple[Path, dict]) -> None:
    report, spans = hostile_report
    browser.open(report)
    click_row(browser, spans["llm"])
    browser.wait_for("return document.getElementById('detail-error')")
    details = browser.text("#details")
    for text in (SCRIPT, IMG, "bad <n3x>input</n3x>"):
        assert text in details
    assert SCRIPT in browser.text("#tree")  # the span's name, in its row
    assert IMG in browser.text("#tree")
    browser.click("#tab-analysis")
    assert SCRIPT in browser.text("#view-analysis")  # the model, in the tokens and cost charts
    assert browser.js("return typeof window.PWNED") == "undefined"
    assert browser.js("return document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert browser.js("return [...document.scripts].map((s) => s.type || 'js')") == ["application/json", "js"]
    assert browser.js("return document.querySelectorAll('n3x').length") == 0


def test_terminal_escapes_are_shown_not_obeyed(browser: Any, hostile_report: tuple[Path, dict]) -> None:
    report, spans = hostile_report
    browser.open(report)
    click_row(browser, spans["terminal"])
    assert details_name(browser) == "echo ␛[31mred␛[0m"


def test_the_page_script_builds_no_markup_from_strings() -> None:
    """No innerHTML, outerHTML, insertAdjacentHTML, document.write, eval, new Function or string timers."""
    banned = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\s*\(|new\s+Function|"
                        r"set(?:Timeout|Interval)\s*\(\s*['\"`]|\.srcdoc|createContextualFragment|DOMParser")
    scripts = sorted((WEB / "js").glob("*.js"))
    assert scripts
    found = [f"{path.name}:{n}: {line.strip()}" for path in scripts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if banned.search(line)]
    assert found == []


# -- a big run ---------------------------------------------------------------------------------------------

def test_a_100000_span_report_becomes_interactive(browser: Any, tmp_path: Path, make_report: Callable[..., Path],
                                                  big_trace: Callable[[Path, int], Path],
                                                  record_property: Callable[[str, Any], None]) -> None:
    trace = big_trace(tmp_path / "20261123-120000-b16b16.0000.jsonl", BIG)
    report = make_report(trace, out=tmp_path / "big.html")
    browser.open(report, timeout=120)
    ready_ms = browser.js("return window.N3_READY_MS")
    assert browser.js("return N3.view().model.n") == BIG
    clicked_at = browser.js("return performance.now()")
    browser.click("#tree .span-row[data-row='5'] .name")
    browser.wait_for("return document.querySelector('#details .detail-name')"
                     " && !document.getElementById('details').dataset.pending")
    details_ms = browser.js("return performance.now()") - clicked_at
    assert '"row": 5' in browser.text("#details")  # its inputs: the row it was written as
    sid = browser.js("return N3.view().model.sid[5]")
    assert browser.js("return document.body.dataset.selected") == sid
    assert details_name(browser) == browser.js("return N3.view().model.name[5]")
    size_mb = report.stat().st_size / 1e6
    print(f"\n100,000 spans: {size_mb:.1f} MB report, ready {ready_ms:.0f} ms after navigation start, "
          f"details {details_ms:.0f} ms after the click")
    record_property("report_mb", round(size_mb, 1))
    record_property("ready_ms", round(ready_ms))
    record_property("details_after_click_ms", round(details_ms))


# -- compare -----------------------------------------------------------------------------------------------

def test_a_comparison_aligns_the_calls_and_marks_the_first_divergence(browser: Any, research: tuple[Path, Path],
                                                                      make_report: Callable[..., Path],
                                                                      tmp_path: Path) -> None:
    base, _ = research
    new = modified_copy(base, tmp_path / "new", ("fetch_page", "fetch_cached"), nth=1)
    browser.open(make_report(base, new, out=tmp_path / "compare.html"))
    assert browser.js("return N3.tab") == "compare"
    parted = browser.wait_for("return document.querySelector('#cmp-list .cmp-row.parted')")
    assert "first divergence" in parted.text
    assert "fetch_page" in parted.text and "fetch_cached" in parted.text
    box = browser.js("const l = document.getElementById('cmp-list').getBoundingClientRect();"
                     "const r = arguments[0].getBoundingClientRect(); return r.top >= l.top && r.bottom <= l.bottom;",
                     parted)
    assert box, "the first divergence is scrolled into view"
    parted_at = browser.js("return N3.doc.compare.parted_at")
    assert browser.js("return Number(arguments[0].dataset.row)", parted) == parted_at
    rows = browser.js("return document.querySelectorAll('#cmp-list .cmp-row').length")
    assert rows >= min(10, browser.js("return N3.doc.compare.rows.length"))


def test_clicking_an_aligned_row_shows_both_spans(browser: Any, research: tuple[Path, Path],
                                                  make_report: Callable[..., Path], tmp_path: Path) -> None:
    base, _ = research
    new = modified_copy(base, tmp_path / "new", ("fetch_page", "fetch_cached"), nth=1)
    browser.open(make_report(base, new, out=tmp_path / "compare.html"))
    row = browser.js("return N3.doc.compare.rows.findIndex((r) => r[0] === 'equal' && r[1] > 0)")
    browser.js("N3.compare.list.scrollTo(N3.compare.pos.get(arguments[0]), true)", row)
    browser.next_frame()
    browser.click(f"#cmp-list .cmp-row[data-row='{row}'] .cmp-cell")
    names = browser.js("return N3.doc.compare.rows[arguments[0]].slice(1).map((i, k) => N3.runs[k].name[i])", row)
    assert browser.text("#cmp-base .detail-name") == names[0]
    assert browser.text("#cmp-new .detail-name") == names[1]
    browser.wait_for("return !document.querySelector('#cmp-details [data-pending]')")  # both chunks read
    sids = browser.js("return N3.doc.compare.rows[arguments[0]].slice(1).map((i, k) => N3.runs[k].sid[i])", row)
    for pane, sid in zip(("#cmp-base", "#cmp-new"), sids, strict=True):
        assert f'"span_id": "{sid}"' in browser.js(f"return document.querySelector('{pane} .raw').textContent")


# -- live -------------------------------------------------------------------------------------------------

@pytest.fixture
def live_server(research: tuple[Path, Path], make_report: Callable[..., Path],
                tmp_path: Path) -> Iterator[tuple[str, list[str], threading.Event]]:
    """A server of the page as `view --follow` serves it: first the run cut after its failed search (still
    running; polls answer 204), then, once `release` is set, the whole run (ended). Yields its URL, the
    paths it was asked for and `release`."""
    trace, report = research
    lines = trace.read_text(encoding="utf-8").splitlines(keepends=True)
    failed_at = next(n for n, line in enumerate(lines) if '"tool_call_end"' in line and '"failed"' in line)
    partial = tmp_path / "partial" / trace.name
    partial.parent.mkdir()
    partial.write_text("".join(lines[:failed_at + 2]), encoding="utf-8")
    first = page_data(make_report(partial, out=tmp_path / "partial.html"))
    first["live"] = {"poll_ms": 200, "version": 1, "ended": False, "data_url": "/data"}
    second = page_data(report)
    second["live"] = {"poll_ms": 200, "version": 2, "ended": True, "data_url": "/data"}
    page, data, asked = page_html(first, served=True).encode(), json.dumps(second).encode(), []
    release = threading.Event()

    def serve(request: Request) -> Reply:
        asked.append(request.path)
        if request.route == "/":
            return Reply(page, content_type="text/html; charset=utf-8")
        if request.route == "/data":
            return Reply(data) if release.is_set() else Reply(b"", 204)
        return Reply(b"", 404, "text/plain")

    with LoopbackServer({"GET *": serve}, name="live-page", protocol="HTTP/1.0") as server:
        yield f"{server.url}/", asked, release


def test_a_live_page_takes_the_next_document_and_keeps_selection_and_filters(
        browser: Any, live_server: tuple[str, list[str], threading.Event], research: tuple[Path, Path],
        trace_events: Callable) -> None:
    url, asked, release = live_server
    trace, _ = research
    events = trace_events(trace)
    failed = find(events, "tool_call_end", "search", status="failed")
    browser.open(url)
    assert browser.js("return document.body.dataset.live") == "live"
    before = browser.js("return N3.view().model.n")
    click_row(browser, failed["span_id"])
    browser.click("#f-errors")
    browser.wait_for("return arguments[0].length > 1", asked, message="the page never polled")
    release.set()
    browser.wait_for("return document.body.dataset.live === 'ended'", timeout=10,
                     message="the page never took the ended run")
    assert browser.js("return N3.view().model.n") == len(span_ids_of(events)) > before
    assert browser.js("return document.body.dataset.selected") == failed["span_id"]
    assert browser.js("return N3.view().model.sid[N3.view().sel]") == failed["span_id"]
    assert browser.element("#f-errors").is_selected()
    assert browser.text("#f-count") == f"1 of {len(span_ids_of(events))} spans"
    assert "TimeoutError" in browser.text("#detail-error")
    polls = len(asked)
    time.sleep(0.8)  # four poll intervals
    assert len(asked) == polls, "the page polls on after the run ended"
    assert [path.split("?")[0] for path in asked] == ["/", *["/data"] * (polls - 1)]
