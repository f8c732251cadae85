"""Whether each reader's answer holds the figures the generator counted while writing the trace."""

from __future__ import annotations

from typing import Any, Iterator

from trace_gen import Totals


def compare(expected: dict[str, Any], found: dict[str, Any], where: str, tolerance: float = 0.0) -> list[str]:
    """Mismatches between two flat-or-nested dicts of numbers, for the keys `found` has (floats within tolerance)."""
    wrong = []
    for key, value in expected.items():
        if key not in found:
            continue
        got = found[key]
        if isinstance(value, dict) and isinstance(got, dict):
            wrong += compare(value, got, f"{where}.{key}", tolerance)
        elif not isinstance(got, (int, float)) or abs(got - value) > tolerance * max(1.0, abs(value)):
            wrong.append(f"{where}.{key}: expected {value}, got {got}")
    return wrong


def _models(totals: Totals, keys: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {m: {k: v for k, v in fig.items() if k in keys} for m, fig in totals.by_model.items()}


def check_jq(doc: dict[str, Any], totals: Totals) -> list[str]:
    """Every figure the jq program computes must equal the generator's."""
    expected = {"events": totals.events, "by_type": totals.by_type, "failed": totals.failed, "errors": totals.errors,
                "by_model": _models(totals, ("calls", "input_tokens", "output_tokens", "total_tokens"))}
    wrong = compare(expected, doc, "jq")
    wrong += compare({m: {"cost_usd": f["cost_usd"]} for m, f in totals.by_model.items()}, doc.get("by_model", {}),
                     "jq.by_model", tolerance=1e-9)
    return wrong + _missing(expected, doc, "jq")


def check_duckdb(doc: dict[str, Any], totals: Totals) -> list[str]:
    """Counts by type, end events and failures by operation (and their max), tokens and cost by model."""
    operations = {op: {"count": f["count"], "failed": f["failed"]} for op, f in totals.by_operation.items()}
    expected = {"by_type": totals.by_type, "operations": operations,
                "by_model": _models(totals, ("calls", "input_tokens", "output_tokens", "total_tokens"))}
    wrong = compare(expected, doc, "duckdb")
    wrong += compare({op: {"max_ms": f["max_ms"]} for op, f in totals.by_operation.items()},
                     doc.get("operations", {}), "duckdb.operations", tolerance=1e-9)
    wrong += compare({m: {"cost_usd": f["cost_usd"]} for m, f in totals.by_model.items()}, doc.get("by_model", {}),
                     "duckdb.by_model", tolerance=1e-9)
    return wrong + _missing(expected, doc, "duckdb")


def _missing(expected: dict[str, Any], found: dict[str, Any], where: str) -> list[str]:
    return [f"{where}.{key}: missing" for key in expected if key not in found]


def check_ours(doc: Any, totals: Totals) -> dict[str, Any]:
    """Look through analyze's JSON for figures the totals know, wherever they are; say what could be checked.

    The report's shape is analyze's own: an event count under `events`-like keys, a map of event types,
    and per-model sections (keyed by model name, or records with a `model` field) holding token sums.
    """
    found: dict[str, list[str]] = {"checked": [], "wrong": []}
    scalars = {("events", "event_count", "total_events"): totals.events, ("failed_spans",): totals.failed,
               ("llm_calls",): sum(m["calls"] for m in totals.by_model.values()),
               ("tool_calls",): totals.by_type.get("tool_call_end", 0)}
    for keys, expected in scalars.items():
        values = {v for k, v in _walk_items(doc) if k in keys and _is_int(v)}
        if values:
            _record(found, keys[0], [] if expected in values else [f"{keys[0]}: expected {expected}, "
                                                                    f"got {sorted(values)[:5]}"])
    for node in _nodes(doc):
        if "llm_call_end" in node and _is_int(node["llm_call_end"]):
            _record(found, "event types", compare(totals.by_type, node, "by_type"))
            break
    for model, figures in totals.by_model.items():
        for node in _model_nodes(doc, model):
            usage = node.get("usage") if isinstance(node.get("usage"), dict) else node
            tokens = {k: figures[k] for k in ("calls", "input_tokens", "output_tokens", "total_tokens") if k in usage}
            if tokens:
                _record(found, f"tokens {model}", compare(tokens, usage, model))
                break
    return {"status": "mismatch" if found["wrong"] else "checked" if found["checked"] else "not checked",
            "checked": found["checked"], "wrong": found["wrong"]}


def _record(found: dict[str, list[str]], what: str, wrong: list[str]) -> None:
    found["checked"].append(what)
    found["wrong"] += wrong


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _nodes(doc: Any) -> Iterator[dict[str, Any]]:
    """Every dict in a JSON document, depth first."""
    if isinstance(doc, dict):
        yield doc
        for value in doc.values():
            yield from _nodes(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from _nodes(value)


def _walk_items(doc: Any) -> Iterator[tuple[str, Any]]:
    for node in _nodes(doc):
        yield from node.items()


def _model_nodes(doc: Any, model: str) -> Iterator[dict[str, Any]]:
    for node in _nodes(doc):
        if isinstance(node.get(model), dict):
            yield node[model]
        if node.get("model") == model:
            yield node


def check_inspect(doc: Any, seq: int) -> str:
    """`checked` when the answer holds the event asked for (a `seq` equal to N), else `not checked`."""
    seqs = [v for k, v in _walk_items(doc) if k == "seq"]
    return "checked" if seq in seqs else "mismatch" if seqs else "not checked"


# ------------------------------------------------------------------------------ the run
