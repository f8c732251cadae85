"""The data document of the report page (`namel3ss-debug/report/v1`): a `ReportPage` as JSON types.

Spans go as columns (one list per field, a row per span, in tree order), strings repeated across rows
through small tables, so the page parses a run of 100,000 spans at once (11.6 MB of columns for the bench's
run, `bench/report_open.py`). Each row's
details (its two events, and an LLM call's conversation) go in chunks of `CHUNK` rows, each chunk one JSON
text, gzip-compressed and in base64 (`limits.details`: "gzip+base64"), which the page decompresses and
parses only when a row in it is first shown. Strings longer than `max_text` are cut, saying how much was
left out (0: none is).
"""

from __future__ import annotations

import base64
import gzip
from typing import Any, Mapping

from ..._version import __version__
from ...analysis.critical_spans import startup
from ...analysis.running import IN_FLIGHT
from ...analysis.span_table import SpanRow, SpanTable
from ...analysis.wide import PAGE, Cut, Key
from ...judging.experiment_report import ExperimentReport
from ...model.lineage import Lineage
from ...otel.genai import conversation
from ...ops.report import ReportPage, RunPicture
from ..analyze.analyze_json import report_to_dict
from ..diagnose.experiment_words import HEADERS, point_row, read_line, spent_line, verdict_line
from ..diff.diff_json import diff_to_dict
from ..diff.format import kin_text
from ..json_text import compact_json, fold

SCHEMA = "namel3ss-debug/report/v1"
CHUNK = 1000
DETAILS = "gzip+base64"  # how each details chunk is packed: its JSON text (UTF-8), gzip-compressed, in base64
# gzip's fastest level: on the 100,000 spans of bench/report_open.py, 92.7 MB of details JSON becomes 15.8 MB
# of base64 in 0.3 s; level 6 makes 11.8 MB in 0.9 s, level 9 11.1 MB in 1.6 s (and `view --follow` packs them
# again on every change), for a page the browser reads in a few tens of ms less
GZIP_LEVEL = 1
MAX_TEXT = 20_000
CUT = "… [cut: {} more characters]"
_STATUSES = ("completed", "failed", "unclosed", "skipped")
# a span with no end in a run `view --follow` watches being written is still under way, not unclosed
_IN_FLIGHT = {"unclosed": IN_FLIGHT}
_SLOWER, _SLOWER_MS = 1.5, 10.0  # a call marked slower (faster) than its BASE call: this many times, and ms more


def page_document(page: ReportPage, *, max_text: int = MAX_TEXT, live: dict[str, Any] | None = None,
                  now_ms: float | None = None, nav: dict[str, Any] | None = None) -> dict[str, Any]:
    """The document the page renders; `live` (view --follow) says how to poll for the next one and whether
    the run is being written (`running`), `now_ms` how far a running run has got; `nav` (a run page of `view
    DIR`) where the list of runs is (`list`) and the run's parent, when it reruns or forks one the list holds
    (`parent`, `parent_listed`) and which forks of the run's experiment it serves (`served`)."""
    running = bool(live and live.get("running"))
    runs = [_run(picture, max_text or None, now_ms, running) for picture in page.runs]
    return {
        "schema": SCHEMA, "generated_by": f"namel3ss-debug {__version__}",
        "mode": "compare" if page.diff is not None else "run",
        "title": " vs ".join(run["title"] for run in runs),
        "runs": runs, "compare": _compare(page) if page.diff is not None else None,
        "live": live, "nav": nav, "limits": {"max_text": max_text, "chunk": CHUNK, "details": DETAILS,
                                 "children": {"first": PAGE.first, "last": PAGE.last, "failed": PAGE.failed}},
    }


def _run(picture: RunPicture, max_text: int | None, now_ms: float | None, running: bool) -> dict[str, Any]:
    table = picture.table
    overview = picture.report.overview
    run = overview.runs[0] if overview is not None and overview.runs else None
    root = table.rows[0].node if table.rows else None
    name = root.name if root is not None and root.component == "app" else picture.source.label
    return {
        "run_id": picture.run_id, "label": picture.source.label, "name": name,
        "title": f"{name} · {picture.run_id}" if picture.run_id else name,
        "started": table.started, "duration_ms": run.duration_ms if run is not None else table.total_ms,
        "work_from_ms": _work_from(table),
        "status": _status(picture, run, running), "stopped": run.stopped if run is not None else None,
        "gave_up": run.gave_up if run is not None and picture.ended else None,
        "events": picture.events,
        "lineage": _lineage(run.rerun_of if run is not None else None),
        "now_ms": None if picture.ended else max(table.total_ms, now_ms or 0.0),
        **_columns(table, _IN_FLIGHT if running and not picture.ended else {}),
        "cut": _cut(table, picture.cuts),
        "details": [_chunk(table.rows[at:at + CHUNK], max_text) for at in range(0, len(table.rows), CHUNK)],
        "analysis": report_to_dict(picture.report),
        "experiment": _experiment(picture.experiment, table),
    }


def _experiment(report: ExperimentReport | None, table: SpanTable) -> dict[str, Any] | None:
    """What `diagnose --experiment` found (the record kept beside the run), in the words of its table and Markdown:
    the verdict (`said`), why (the rescue rates), what the blame read and whether they agree, each fork point tried
    (its row in the span table, -1: not in the page; its forks' run ids) and what it spent. The record's strings
    are the trace's text, which the page shows as text."""
    if report is None:
        return None
    conclusion = report.conclusion
    verdict, _, what = verdict_line(report).partition(": ")
    rows = _rows_by_seq(table)
    decisive = conclusion.decisive.index if conclusion.decisive is not None else None
    after = conclusion.after.point.index if conclusion.after is not None else None
    return {
        "verified": report.verified, "said": f"{verdict} by experiment: {what}", "why": conclusion.why,
        "reason": conclusion.reason, "read": read_line(report), "agrees": report.agrees,
        "failure": report.failure, "spent": spent_line(report), "headers": list(HEADERS),
        "tried": [{"cells": list(point_row(done, report.points)[:-1]), "forks": done.forks,
                   "row": rows.get(done.point.seq, -1),
                   "role": "decisive" if done.point.index == decisive else "after" if done.point.index == after
                   else None}
                  for done in report.tried],
    }


def _lineage(lineage: Lineage | None) -> dict[str, Any] | None:
    """A rerun's or fork's lineage for the header: the parent run, its trace, and what the text views say of it
    (`said`, holding the trace's text, which the page shows as text); None for any other run."""
    if lineage is None:
        return None
    return {"run_id": lineage.run_id, "trace": lineage.trace, "said": lineage.said()}


def _work_from(table: SpanTable) -> float:
    """Where the run's work begins on the time axis: the end of its start-up span (a child of the root), where the
    timeline opens; 0 for a run without one, or one still in its start-up."""
    for row in table.rows[1:]:
        if row.parent == 0 and row.node.kind == "span":  # the root's first span: the start-up, if the run has one
            start, length = row.start_ms, row.duration_ms
            if not startup(row.node) or start is None or length is None:
                return 0.0
            return round(start + length, 3)
    return 0.0


def _status(picture: RunPicture, run: Any, running: bool) -> str:
    """The run's outcome (`failed_run.outcome`: `failed` for a run that gave up too, as its health is `failing`);
    one whose `run_end` was not read is `running` while `view --follow` watches it being written, and otherwise
    `not ended` (it may have crashed: a report cannot tell)."""
    if not picture.ended:
        return "running" if running else "not ended"
    if run is None:
        return "completed"
    return str(run.outcome or run.status or "completed")


def _columns(table: SpanTable, renamed: dict[str, str]) -> dict[str, Any]:
    """The span columns; `renamed`: statuses shown by another name (a running run's `unclosed` is `in flight`)."""
    names = ("components", "kinds", "statuses", "tracks", "agents", "models", "categories")
    tables: dict[str, dict[str, int]] = {name: {} for name in names}
    for status in _STATUSES:
        tables["statuses"][status] = len(tables["statuses"])

    def ref(name: str, value: str | None) -> int:
        if value is None:
            return -1
        known = tables[name]
        return known.setdefault(value, len(known))

    rows = table.rows
    spans = {
        "sid": [row.node.span_id for row in rows], "parent": [row.parent for row in rows],
        "depth": [row.depth for row in rows], "size": [row.size for row in rows],
        "comp": [ref("components", row.node.component) for row in rows],
        "kind": [ref("kinds", row.kind) for row in rows], "name": [row.node.name for row in rows],
        "status": [ref("statuses", row.status) for row in rows],
        "start": [_ms(row.start_ms) for row in rows], "dur": [_ms(row.duration_ms) for row in rows],
        "instant": [int(row.node.kind == "instant") for row in rows],
        "track": [ref("tracks", row.track) for row in rows], "agent": [ref("agents", row.agent) for row in rows],
        "model": [ref("models", row.model) for row in rows], "tokens": [row.node.tokens for row in rows],
        "cost": [row.cost_usd for row in rows], "cat": [ref("categories", row.category) for row in rows],
        "seq": [row.node.seq for row in rows], "flags": [row.flags for row in rows],
    }
    tables["statuses"] = {renamed.get(name, name): index for name, index in tables["statuses"].items()}
    return {"tables": {name: list(values) for name, values in tables.items()}, "spans": spans}


def _cut(table: SpanTable, cuts: Mapping[Key, Cut]) -> list[list[int]]:
    """What the page leaves out of wide trees (`WidthCap`): per parent, `[its row (-1: the run's roots),
    children left out, spans left out with what is under them, failed ones among them]`."""
    if not cuts:
        return []
    rows: dict[Key, int] = {(row.node.run_id, row.node.span_id): index for index, row in enumerate(table.rows)}
    return [[rows.get(key, -1) if key[1] is not None else -1, cut.children, cut.nodes, cut.failed]
            for key, cut in cuts.items()]


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _chunk(rows: list[SpanRow], max_text: int | None) -> str:
    """The rows' details as JSON text, gzip-compressed (no time in its header: the same run, the same bytes),
    in base64: ASCII the data element carries as it is."""
    text = compact_json([_detail(row, max_text) for row in rows]).encode("utf-8", "backslashreplace")
    return base64.b64encode(gzip.compress(text, compresslevel=GZIP_LEVEL, mtime=0)).decode("ascii")


def _detail(row: SpanRow, max_text: int | None) -> dict[str, Any]:
    node = row.node
    detail: dict[str, Any] = {"start": node.start, "end": node.end, "messages": None}
    if node.component == "llm" and node.start is not None:
        talk = conversation(node.start, node.end or {})
        if talk["system"] or talk["input"] or talk["output"]:
            detail["messages"] = talk
    return fold(detail, max_text, more=CUT) if max_text else detail


def _compare(page: ReportPage) -> dict[str, Any]:
    base, new = page.runs
    assert page.diff is not None and page.alignment is not None
    base_rows, new_rows = _rows_by_seq(base.table), _rows_by_seq(new.table)
    rows: list[list[Any]] = []
    marks: list[list[Any]] = []
    parted_at = None
    first = page.alignment.first_change()
    for tag, i1, i2, j1, j2 in page.alignment.opcodes:
        for offset in range(max(i2 - i1, j2 - j1)):
            left = base.calls.calls[i1 + offset] if i1 + offset < i2 else None
            right = new.calls.calls[j1 + offset] if j1 + offset < j2 else None
            index = len(rows)
            if parted_at is None and first is not None and (i1 + offset, j1 + offset) == first[1:4:2] \
                    and (tag != "equal") != page.alignment.changed:
                parted_at = index
                marks.append([index, "diverged", _parting(tag, left, right)])
            rows.append([tag, base_rows.get(left.seq, -1) if left else -1,
                         new_rows.get(right.seq, -1) if right else -1])
            if tag == "equal" and left is not None and right is not None:
                marks.extend([index, kind, text] for kind, text in _differences(left, right))
    return {"diff": diff_to_dict(page.diff), "rows": rows, "marks": marks, "parted_at": parted_at,
            "kin": kin_text(page.diff, str)}


def _parting(tag: str, left: Any, right: Any) -> str:
    """The divergence mark's text: how the runs part at this row (the same call ended otherwise, or an opcode)."""
    if tag == "equal":
        return f"the runs part here: the same call, {left.status} in BASE, {right.status} in NEW"
    return f"the runs part here: {tag}"


def _rows_by_seq(table: SpanTable) -> dict[int, int]:
    return {row.node.seq: index for index, row in enumerate(table.rows) if row.node.start is not None}


def _differences(left: Any, right: Any) -> list[tuple[str, str]]:
    """What differs between two aligned calls: status, output, time."""
    found = []
    if left.status != right.status:
        found.append(("status", f"{left.status} -> {right.status}"))
    if left.outputs_hash != right.outputs_hash and left.component in ("llm", "tool"):
        found.append(("output", "the output changed"))
    if left.duration_ms is not None and right.duration_ms is not None:
        before, after = left.duration_ms, right.duration_ms
        if after >= before * _SLOWER and after - before >= _SLOWER_MS:
            found.append(("slower", f"{before:.1f} ms -> {after:.1f} ms"))
        elif before >= after * _SLOWER and before - after >= _SLOWER_MS:
            found.append(("faster", f"{before:.1f} ms -> {after:.1f} ms"))
    return found
