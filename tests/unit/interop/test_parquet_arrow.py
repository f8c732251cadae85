"""`interop/parquet/arrow.py`: rows gathered by day into Arrow batches, in the schema the package documents."""

from __future__ import annotations

from namel3ss_debug.interop.parquet import arrow
from namel3ss_debug.interop.parquet.arrow import TableBuilder


def event_row(seq: int) -> dict:
    return {"run_id": "r", "seq": seq, "ts": seq * 1000, "event_type": "tool_call_end", "component": "tool",
            "name": "search", "span_id": f"{seq:016x}", "parent_id": None, "status": "completed",
            "error_type": None, "error_category": None, "thread": None}


def test_rows_past_a_batch_are_kept_in_order_in_their_day(monkeypatch) -> None:
    monkeypatch.setattr(arrow, "BATCH_ROWS", 3)
    builder = TableBuilder("events")
    for seq in range(10):
        builder.add("2026-11-23" if seq % 2 else "2026-11-22", event_row(seq))
    tables = builder.tables()
    assert list(tables) == ["2026-11-22", "2026-11-23"] and builder.rows == 10
    assert tables["2026-11-22"].column("seq").to_pylist() == [0, 2, 4, 6, 8]
    assert tables["2026-11-23"].column("seq").to_pylist() == [1, 3, 5, 7, 9]
    assert tables["2026-11-22"].column("seq").num_chunks == 2  # one full batch of 3, then the rest


def test_the_schema_names_its_version_and_table() -> None:
    schema = TableBuilder("spans").schema
    assert schema.metadata[b"namel3ss.schema"] == b"namel3ss-debug/parquet/v1"
    assert schema.metadata[b"namel3ss.table"] == b"spans"
    assert not schema.field("run_id").nullable and schema.field("cost_usd").nullable
