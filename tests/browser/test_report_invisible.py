"""Invisible characters in a trace's text are written out on the report page, in the notation of every other
screen: a tool named `delete_db` plus a zero-width space reads `delete_db\\u200b`, a bidirectional override
`\\u202e`, a tag character `\\U000e0041`; none reaches a text node of the page as it came."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.tracefactory import TraceBuilder

pytestmark = pytest.mark.browser

RAW = ("\u200b", "\u202e", "\u2066", "\U000e0041", "\ufeff")
# Every text node shown on the page (not the data in its JSON <script>) whose text holds one of the raw characters.
RAW_TEXT_NODES = """
const raw = arguments[0];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const found = [];
for (let node = walker.nextNode(); node; node = walker.nextNode())
  if (node.parentNode.nodeName !== "SCRIPT" && raw.some((ch) => node.data.includes(ch))) found.push(node.data);
return found;
"""


@pytest.fixture(scope="module")
def invisible_report(tmp_path_factory: pytest.TempPathFactory, make_report: Callable[..., Path]) -> Path:
    trace = TraceBuilder(run_id="20261123-100000-a1b2c3")
    trace.run_start(name="app.py")
    agent = trace.start("agent", "research\u202eer")
    trace.span("tool", "delete_db\u200b", 5, agent, inputs={"query": "x\u2066y\U000e0041z\ufeff"})
    trace.end(agent, 10)
    trace.run_end()
    directory = tmp_path_factory.mktemp("invisible")
    return make_report(trace.write(directory / "20261123-100000-a1b2c3.0000.jsonl"))


def test_invisible_characters_are_written_out_in_the_tree_and_details(browser: Any, invisible_report: Path) -> None:
    browser.open(invisible_report)
    tree = browser.text("#tree")
    assert "delete_db\\u200b" in tree
    assert "research\\u202eer" in tree
    browser.click("#tree .span-row[data-sid='0000000000000003'] .name")
    browser.wait_for("return document.querySelector('#details .detail-name')")
    assert browser.text("#details .detail-name") == "delete_db\\u200b"
    browser.wait_for("return document.getElementById('details').innerText.includes('\\\\U000e0041')",
                     message="the input's tag character is not written out")
    assert "x\\u2066y\\U000e0041z\\ufeff" in browser.text("#details")
    assert browser.js(RAW_TEXT_NODES, list(RAW)) == []
