"""`inspect --format json|jsonl`: the same records the tables show, as JSON with a `schema` key.

Events are written as they were read. orjson escapes control characters below 0x20; DEL, the C1
controls and the bidirectional overrides, legal raw in JSON, are written as `\\uXXXX` too
(`json_text.terminal_safe`), so that JSON printed on a terminal cannot drive it and `jq` still reads the
same strings.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Sequence

import orjson

from ..json_text import fold, terminal_safe

if TYPE_CHECKING:  # the records are only described here; `--event N --format json` needs none of them
    from ...analysis.causality import Causality
    from ...analysis.journey import Journey
    from ...analysis.spans import SpanNode
    from ...analysis.timeline import Waterfall

INSPECT_SCHEMA = "namel3ss-debug/inspect/v1"


def dumps(value: Any) -> bytes:
    """Compact JSON bytes, terminal-safe; a value nested past orjson's limit, or holding a lone surrogate
    (`\\udXXX` then), takes slower roads."""
    try:
        data = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        try:
            data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        except (TypeError, ValueError, RecursionError):  # ValueError: a lone surrogate UTF-8 cannot hold
            data = json.dumps(fold(value, None), ensure_ascii=True, separators=(",", ":"), default=repr).encode()
    return terminal_safe(data)


def document(view: str, **body: Any) -> dict[str, Any]:
    """A JSON document of a view: `{"schema": ..., "view": ..., ...}`."""
    return {"schema": INSPECT_SCHEMA, "view": view, **body}


def node_dict(node: SpanNode, depth: int) -> dict[str, Any]:
    """A span tree node without its children (the tree is written flat, depth first, with `depth`)."""
    return {
        "depth": depth, "run_id": node.run_id, "span_id": node.span_id, "parent_id": node.parent_id,
        "component": node.component, "name": node.name, "kind": node.kind, "status": node.status,
        "unclosed": node.unclosed, "start_seq": node.start["seq"] if node.start else None,
        "end_seq": node.end["seq"] if node.end else None, "ts": node.first.get("ts"),
        "duration_ms": node.duration_ms, "tokens": node.tokens, "total_tokens": node.total_tokens,
        "children": len(node.children),
    }


def tree_body(roots: Sequence[SpanNode], limit: int | None) -> dict[str, Any]:
    """The nodes under `roots`, depth first, at most `limit` of them, and how many there are in all."""
    walk = [item for root in roots for item in root.walk()]
    return {"nodes": [node_dict(node, depth) for depth, node in walk[:limit]], "total_nodes": len(walk)}


def timeline_body(line: Waterfall, limit: int | None) -> dict[str, Any]:
    bars = [{**node_dict(bar.node, bar.depth), "offset_ms": bar.offset_ms, "length_ms": bar.length_ms,
             "open_ended": bar.open_ended} for bar in line.bars[:limit]]
    return {"start_ts": line.start_ts, "total_ms": line.total_ms, "bars": bars, "total_bars": len(line.bars)}


def journey_body(story: Journey, limit: int | None) -> dict[str, Any]:
    steps = [{"depth": step.depth, "offset_ms": step.offset_ms, "event": step.event} for step in story.steps[:limit]]
    return {"agent": story.agent, "steps": steps, "total_steps": len(story.steps)}


def causality_body(found: Causality, limit: int | None) -> dict[str, Any]:
    steps = found.steps if limit is None else found.steps[-limit:]  # the last ones are nearest the target
    return {"target": found.target, "lookback_ms": found.lookback_ms, "chain": list(found.chain),
            "steps": [{"relation": step.relation, "before_ms": step.before_ms, "event": step.event} for step in steps],
            "hidden": found.hidden}
