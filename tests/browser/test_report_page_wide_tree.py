"""The report page of a span with more children than a page keeps (`analysis.wide.PAGE`): the span's row says how
many are not in the page, and the header says why and which command has them all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.widetrees import write_wide_run

from namel3ss_debug.analysis.wide import PAGE

pytestmark = pytest.mark.browser

WIDE = PAGE.first + PAGE.last + 1_000


def test_a_wide_span_says_how_many_spans_are_not_in_the_page(browser: Any, tmp_path: Path,
                                                           make_report: Callable[..., Path]) -> None:
    trace = write_wide_run(tmp_path / "run.jsonl", WIDE, failed={20_100})
    browser.open(make_report(trace, out=tmp_path / "wide.html"), timeout=120)
    assert browser.js("return N3.view().model.n") == 1 + PAGE.first + 1 + PAGE.last
    badge = "#tree .span-row[data-row='0'] .badge.cut"
    browser.wait_for("return document.querySelector(arguments[0])", badge)
    assert browser.text(badge) == "+999 not in page"
    assert browser.js("return document.querySelector(arguments[0]).title", badge) == (
        f"999 more spans under app.py are not in this page: namel3ss-debug inspect {trace} --tree "
        "--format json has them all")
    note = browser.text("#run-head .cut-note-text")
    assert note.startswith(f"this page keeps a span's first {PAGE.first:,}, last {PAGE.last:,} and up to "
                           f"{PAGE.failed:,} failed children; 999 spans are counted, not shown: namel3ss-debug ")
    assert note.endswith(f"{trace} --tree --format json has them all")
    assert browser.text("#run-head .cut-note").split() == ["not", "in", "page", "999"]
    browser.screenshot(tmp_path / "wide.png")
