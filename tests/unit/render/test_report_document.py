"""The report page's data document and the HTML file around it: columns, details, comparison marks, and
text from a trace that stays text (nothing can close the data element or run as script)."""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import re
from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest, report_traces
from namel3ss_debug.render.report.document import CHUNK, DETAILS, page_document
from namel3ss_debug.render.report.html import page_html

HOSTILE = '</script><script>window.PWNED=1</script><img src=x onerror="window.PWNED=1">&amp;\u2028'


def page_of(tmp_path: Path, *traces: TraceBuilder, **options):
    paths = [trace.write(tmp_path / f"run{number}.jsonl") for number, trace in enumerate(traces)]
    page = report_traces(ReportRequest(tuple(str(path) for path in paths)), Environment(cwd=tmp_path))
    return page_document(page, **options)


def chunk_rows(text: str) -> list:
    """A details chunk as the page reads it: base64, then gunzip, then JSON."""
    return json.loads(gzip.decompress(base64.b64decode(text, validate=True)).decode("utf-8"))


def chat_run(answer: str = "sunny", tool_ms: float = 2, run_id: str = "20261122-100000-abcdef") -> TraceBuilder:
    trace = TraceBuilder(run_id)
    trace.run_start()
    trace.span("llm", "openai.chat", 3, model="gpt-4o",
               inputs={"messages": [{"role": "system", "content": "be brief"},
                                    {"role": "user", "content": "weather?"}]},
               outputs={"tool_calls": [{"id": "call_1", "name": "weather", "arguments": '{"city": "Paris"}'}]})
    trace.span("tool", "weather", tool_ms, inputs={"city": "Paris"}, outputs={"return": answer})
    trace.run_end()
    return trace


def test_every_column_has_a_row_per_span_and_indexes_its_table(tmp_path) -> None:
    run = page_of(tmp_path, chat_run())["runs"][0]
    spans = run["spans"]
    assert {len(column) for column in spans.values()} == {3}
    assert [run["tables"]["components"][index] for index in spans["comp"]] == ["app", "llm", "tool"]
    models = [run["tables"]["models"][index] if index >= 0 else None for index in spans["model"]]
    assert models == [None, "gpt-4o", None]


def test_details_come_in_chunks_of_json_text_the_page_parses_on_demand(tmp_path) -> None:
    trace = TraceBuilder()
    trace.run_start()
    for number in range(CHUNK + 5):
        trace.span("tool", f"t{number}", 1)
    trace.run_end()
    document = page_of(tmp_path, trace)
    run = document["runs"][0]
    assert document["limits"]["details"] == DETAILS == "gzip+base64"
    chunks = [chunk_rows(text) for text in run["details"]]
    assert [len(chunk) for chunk in chunks] == [CHUNK, 6]
    assert chunks[1][-1]["start"]["name"] == f"t{CHUNK + 4}"


def test_a_chunk_is_the_gzipped_json_of_its_rows_details_in_base64(tmp_path) -> None:
    run = page_of(tmp_path, chat_run())["runs"][0]
    (text,) = run["details"]
    assert re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", text)  # ASCII, nothing to escape in the data element
    packed = base64.b64decode(text)
    assert packed[:2] == b"\x1f\x8b"  # a gzip member, what DecompressionStream('gzip') reads
    rows = chunk_rows(text)
    assert [row["start"]["name"] for row in rows] == run["spans"]["name"]
    assert rows[2]["start"]["inputs"] == {"city": "Paris"} and rows[2]["end"]["outputs"] == {"return": "sunny"}
    assert rows[0]["messages"] is None and rows[1]["messages"]["input"][1]["parts"][0]["content"] == "weather?"
    assert page_of(tmp_path, chat_run())["runs"][0]["details"] == [text]  # the same run, the same bytes


def test_any_text_comes_back_from_a_chunk_as_it_was(tmp_path) -> None:
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "odd", 1, inputs={"text": "naïve ✓ \U0001f600 \x00 \u2028 </script>"})
    trace.run_end()
    run = page_of(tmp_path, trace)["runs"][0]
    assert chunk_rows(run["details"][0])[1]["start"]["inputs"]["text"] == "naïve ✓ \U0001f600 \x00 \u2028 </script>"


def test_an_llm_call_shows_as_a_conversation(tmp_path) -> None:
    run = page_of(tmp_path, chat_run())["runs"][0]
    messages = chunk_rows(run["details"][0])[1]["messages"]
    assert [message["role"] for message in messages["input"]] == ["system", "user"]
    assert messages["output"][0]["parts"] == [
        {"type": "tool_call", "id": "call_1", "name": "weather", "arguments": {"city": "Paris"}}]


def test_long_strings_are_cut_saying_how_much(tmp_path) -> None:
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "big", 1, inputs={"text": "x" * 150})
    trace.run_end()
    run = page_of(tmp_path, trace, max_text=100)["runs"][0]
    assert chunk_rows(run["details"][0])[1]["start"]["inputs"]["text"] == "x" * 100 + "… [cut: 50 more characters]"


def test_two_runs_are_aligned_and_their_differences_marked(tmp_path) -> None:
    document = page_of(tmp_path, chat_run(), chat_run("rain", tool_ms=40, run_id="20261122-110000-abcdef"))
    compare = document["compare"]
    assert document["mode"] == "compare" and compare["parted_at"] is None
    assert compare["rows"] == [["equal", 0, 0], ["equal", 1, 1], ["equal", 2, 2]]
    assert sorted(kind for row, kind, _ in compare["marks"] if row == 2) == ["output", "slower"]


def test_where_two_runs_part_is_marked(tmp_path) -> None:
    other = chat_run(run_id="20261122-110000-abcdef")
    other.span("tool", "extra", 1)
    compare = page_of(tmp_path, chat_run(), other)["compare"]
    assert compare["rows"][compare["parted_at"]][0] == "insert"
    assert [kind for _, kind, _ in compare["marks"]] == ["diverged"]


def hostile_run() -> TraceBuilder:
    trace = TraceBuilder()
    trace.run_start(name=HOSTILE)
    trace.span("tool", HOSTILE, 1, inputs={"q": HOSTILE}, status="failed", error=error("ValueError", HOSTILE),
               model=HOSTILE)
    trace.run_end()
    return trace


def data_element(page: str) -> str:
    return re.search(r'<script type="application/json" id="n3-data">(.*?)</script>', page, re.S).group(1)


def test_text_from_a_trace_cannot_close_the_data_element(tmp_path) -> None:
    page = page_html(page_of(tmp_path, hostile_run()))
    data = data_element(page)
    assert not re.search(r"[<>&\u2028]", data)
    assert json.loads(data)["runs"][0]["spans"]["name"][1] == HOSTILE
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "window.PWNED" not in page.replace(data, "").replace(title, "")


def test_the_title_is_escaped(tmp_path) -> None:
    page = page_html(page_of(tmp_path, hostile_run()))
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    # markup escaped for HTML, the line separator written out as every screen writes it
    assert "<" not in title and html.unescape(title).startswith(HOSTILE.replace("\u2028", "\\u2028"))


def test_only_the_pages_own_script_may_run_and_a_report_fetches_nothing(tmp_path) -> None:
    page = page_html(page_of(tmp_path, chat_run()))
    policy = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1))
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert len(scripts) == 1 and f"script-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)


@pytest.mark.parametrize("served, allowed", [(False, "'none'"), (True, "'self'")])
def test_a_served_page_may_poll_its_own_server_only(tmp_path, served, allowed) -> None:
    page = page_html(page_of(tmp_path, chat_run()), served=served)
    assert f"connect-src {allowed}" in html.unescape(page)


def test_a_run_without_its_end_is_running_only_while_watched(tmp_path) -> None:
    trace = TraceBuilder()
    trace.run_start()
    trace.start("tool", "hangs")
    assert page_of(tmp_path, trace)["runs"][0]["status"] == "not ended"
    assert page_of(tmp_path, trace, live={"poll_ms": 500, "running": True})["runs"][0]["status"] == "running"
    # watched, but its process is gone: not running
    assert page_of(tmp_path, trace, live={"poll_ms": 500, "running": False})["runs"][0]["status"] == "not ended"
