"""The one-screen summary printed after `namel3ss-debug trace`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..model.events import is_end, is_start, is_startup


@dataclass(frozen=True)
class RunSummary:
    run_id: str | None = None
    status: str | None = None
    duration_ms: float | None = None
    startup_ms: float | None = None  # the run's start-up span's (its start to its first span), when it has one
    events: int = 0
    spans_by_component: dict[str, int] = field(default_factory=dict)
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float | None = None  # recorded on the LLM calls' ends (`price_overrides` at record time)
    uncosted_llm_calls: int = 0  # LLM calls that ended without a recorded cost: cost_usd leaves them out
    no_usage_llm_calls: int = 0  # of those, the ones without usage either: nothing can price them
    tool_calls: int = 0
    wire_tool_calls: int = 0  # of tool_calls, those made from the wire: no hook recorded them as they ran
    unseen_tool_calls: int = 0  # tool calls the LLM calls asked for that nothing recorded (run_end's account)
    failed_spans: int = 0
    errors: int = 0
    error_types: dict[str, int] = field(default_factory=dict)
    llm_traffic: dict[str, dict[str, int]] = field(default_factory=dict)  # run_end's: LLM traffic not recorded?

    @property
    def unrecorded_llm(self) -> list[str]:
        """LLM APIs the run talked to though it recorded no llm span: requests sent through a client
        the transport does not hook, and known LLM hosts looked up."""
        if self.llm_calls:
            return []
        return [*self.llm_traffic.get("unrecorded", {}), *self.llm_traffic.get("hosts", {})]

    @property
    def work_ms(self) -> float | None:
        """The run's duration less its start-up: the app's work; None unless both are known."""
        if self.duration_ms is None or self.startup_ms is None:
            return None
        return max(0.0, self.duration_ms - self.startup_ms)


def summarize(events: Iterable[dict[str, Any]]) -> RunSummary:
    """Count what a run did: spans by component, LLM calls and tokens, tool calls, errors."""
    spans: dict[str, set[object]] = {}  # component -> span ids seen on start or end events, as written
    error_types: Counter[str] = Counter()
    tokens = Counter[str]()
    counts = {"events": 0, "failed": 0, "errors": 0, "uncosted": 0, "no_usage": 0}
    cost: float | None = None
    run: dict[str, Any] = {}
    for event in events:
        counts["events"] += 1
        event_type = event.get("event_type", "")
        if event_type in ("run_start", "run_end"):
            run.setdefault("run_id", event.get("run_id"))
            if event_type == "run_start":
                run["root"] = event.get("span_id")
            if event_type == "run_end":
                attrs = event.get("attrs")
                if not isinstance(attrs, dict):
                    attrs = {}
                traffic, tools = attrs.get("llm_traffic"), attrs.get("tool_calls")
                run.update(status=event.get("status"), duration_ms=event.get("duration_ms"),
                           llm_traffic=traffic if isinstance(traffic, dict) else {},
                           tools=tools if isinstance(tools, dict) else {})
            continue
        if is_start(event_type) or is_end(event_type):
            # Counted by span id, so a run filtered to end events (or cut short) still counts its calls.
            spans.setdefault(event.get("component", "custom"), set()).add(event.get("span_id"))
        if is_end(event_type):
            if event.get("parent_id") == run.get("root") and is_startup(event_type, event.get("component"),
                                                                        event.get("name")):
                run["startup_ms"] = event.get("duration_ms")
            counts["failed"] += event.get("status") == "failed"
            _add_usage(tokens, event.get("usage"))
            if event.get("component") == "llm":  # as analyze: an agent may repeat its calls' figures as a total
                if isinstance(event.get("cost_usd"), (int, float)):
                    cost = (cost or 0.0) + event["cost_usd"]
                else:
                    counts["uncosted"] += 1
                    counts["no_usage"] += not usage_recorded(event.get("usage"))
        if event_type == "error_occurred":
            counts["errors"] += 1
            error_types[(event.get("error") or {}).get("type", "unknown")] += 1
    wire, unseen = tools_seen(run.get("tools"))
    return RunSummary(
        run_id=run.get("run_id"), status=run.get("status"), duration_ms=run.get("duration_ms"),
        startup_ms=run.get("startup_ms") if isinstance(run.get("startup_ms"), (int, float)) else None,
        events=counts["events"], spans_by_component=_by_count(spans), llm_calls=len(spans.get("llm", ())),
        input_tokens=tokens["input_tokens"], output_tokens=tokens["output_tokens"],
        total_tokens=tokens["total_tokens"], cost_usd=cost, uncosted_llm_calls=counts["uncosted"],
        no_usage_llm_calls=counts["no_usage"], tool_calls=len(spans.get("tool", ())),
        wire_tool_calls=wire, unseen_tool_calls=unseen,
        failed_spans=counts["failed"], errors=counts["errors"], error_types=dict(error_types.most_common()),
        llm_traffic=run.get("llm_traffic") or {},
    )


def tools_seen(counts: Any) -> tuple[int, int]:
    """From a `run_end`'s `attrs.tool_calls`: the tool calls recorded from the wire (no hook recorded them as they
    ran), and those the model asked for that nothing recorded.

    >>> tools_seen({"asked": 3, "hooked": 0, "wire": 2, "unseen": 1}), tools_seen(None)
    ((2, 1), (0, 0))
    """
    if not isinstance(counts, dict):
        return 0, 0
    return _positive(counts.get("wire")), _positive(counts.get("unseen"))


def _positive(value: Any) -> int:
    """A count from 1 as recorded; 0 for anything else (missing, a bool, negative, not an int)."""
    return value if type(value) is int and value > 0 else 0


def _by_count(spans: dict[str, set[object]]) -> dict[str, int]:
    return dict(sorted(((component, len(ids)) for component, ids in spans.items()), key=lambda kv: -kv[1]))


def usage_recorded(usage: Any) -> bool:
    """Whether an event's `usage` (as written) says how many tokens went in or out: a recorded 0 does, a missing
    usage or one with a total alone does not (then the call cannot be priced: its cost is unknown, not 0).

    >>> usage_recorded({"input_tokens": 0}), usage_recorded({"total_tokens": 9}), usage_recorded(None)
    (True, False, False)
    """
    return isinstance(usage, dict) and any(
        isinstance(usage.get(key), int) and not isinstance(usage.get(key), bool)
        for key in ("input_tokens", "output_tokens"))


def _add_usage(tokens: Counter[str], usage: Any) -> None:
    if isinstance(usage, dict):
        for key in ("input_tokens", "output_tokens", "total_tokens"):
            value = usage.get(key)
            if isinstance(value, int):
                tokens[key] += value
