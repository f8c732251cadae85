"""The docs' picture of a run is made here, by the tests' own browser: the report of examples/research_agent.py
with its failed `search` call clicked. Every run checks the picture can be made; with
NAMEL3SS_DOCS_SCREENSHOTS=1 it is written to docs/report-research-agent.png, which the pages show."""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_report_page import click_row, find

pytestmark = pytest.mark.browser
DOCS_PICTURE = Path(__file__).resolve().parents[2] / "docs" / "report-research-agent.png"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_the_report_picture_of_the_docs_is_made_by_the_browser(browser: Any, example_trace: Callable[..., Path],
                                                              make_report: Callable[..., Path],
                                                              trace_events: Callable, tmp_path: Path) -> None:
    trace = example_trace("research_agent")
    failed = find(trace_events(trace), "tool_call_end", "search", status="failed")
    browser.open(make_report(trace))
    click_row(browser, failed["span_id"])
    assert "TimeoutError" in browser.wait_for(
        "const e = document.getElementById('detail-error'); return e && e.innerText")
    browser.wait_for("return !document.getElementById('details').dataset.pending")
    shot = browser.screenshot(tmp_path / "report.png")
    width, height = png_size(shot)
    assert width >= 1000 and height >= 600 and shot.stat().st_size > 20_000
    if os.environ.get("NAMEL3SS_DOCS_SCREENSHOTS") == "1":
        shutil.copyfile(shot, DOCS_PICTURE)
    assert png_size(DOCS_PICTURE)[0] >= 1000  # the picture the docs show is one such shot
