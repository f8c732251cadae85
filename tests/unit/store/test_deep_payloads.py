"""A payload nested deeper than the encoders go is dropped with a warning; the event is still read."""

from __future__ import annotations

import json

from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource


def test_an_event_whose_inputs_are_nested_a_thousand_deep_is_read_without_them(tmp_path):
    deep = '{"a":' * 1000 + "{}" + "}" * 1000  # past msgspec's encoder, within orjson's parser
    event = {"v": 1, "run_id": "r", "seq": 0, "ts": "2026-11-22T10:00:00.000000Z", "event_type": "custom_x",
             "component": "custom", "name": "n", "span_id": "a", "parent_id": None, "status": "completed"}
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps(event)[:-1] + ', "inputs": ' + deep + "}\n")
    warnings: list[str] = []
    reader = TraceReader(ReadProblems(on_warning=warnings.append), write_index=False)
    records = [record for block in reader.records(RunSource(str(path), (str(path),))) for record in block]
    assert ([r.seq for r in records], any("inputs" in warning for warning in warnings)) == ([0], True)
