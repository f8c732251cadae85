"""The one-screen summary printed after `namel3ss-debug trace`: a view of the run's `analyze` report.

Every figure in it (tokens, cost, calls, errors handled and unhandled) is the report's, so the summary, `analyze`,
`check`, `diff`, the report page and the export can never disagree: none of them does its own arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .records.report import Report
from .traffic import unrecorded_requests
from ..model.json_types import JsonValue

# The report sections the summary reads: the pass keeps nothing only other sections need.
SUMMARY_SECTIONS = ("overview", "llm", "errors", "health")


@dataclass(frozen=True)
class RunSummary:
    run_id: str | None = None
    status: str | None = None  # its run_end's
    outcome: str | None = None  # in the one vocabulary (`failed_run.outcome`): `failed` for a run that gave up too
    gave_up: str | None = None  # the kind of the finding that says it gave up, when that is how it failed
    duration_ms: float | None = None
    startup_ms: float | None = None  # the run's start-up span's (its start to its first span), when it has one
    events: int = 0
    spans_by_component: dict[str, int] = field(default_factory=dict)
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float | None = None  # analyze's `llm.cost_usd`: recorded costs and priced usage; None if none priced
    unpriced_llm_calls: int = 0  # LLM calls of unknown cost, left out of cost_usd (then a lower bound)
    no_usage_llm_calls: int = 0  # of those, the ones without usage: nothing can price them
    tool_calls: int = 0
    wire_tool_calls: int = 0  # of tool_calls, those made from the wire: no hook recorded them as they ran
    unseen_tool_calls: int = 0  # tool calls the LLM calls asked for that nothing recorded (run_end's account)
    failed_spans: int = 0
    errors: int = 0  # distinct errors, as analyze counts them
    handled_errors: int = 0  # of errors, those the app survived (`handling.py`)
    unhandled_errors: int = 0  # of errors, those that escaped the app
    error_types: dict[str, int] = field(default_factory=dict)
    llm_traffic: dict[str, dict[str, int]] = field(default_factory=dict)  # run_end's: LLM traffic not recorded?
    health: str | None = None  # analyze's verdict: healthy | degraded | failing
    health_reason: str | None = None  # its first reason: the failure line of a failed run (`failed_run.py`)

    @property
    def unrecorded_llm(self) -> list[str]:
        """LLM APIs the run talked to and did not record: requests sent through a client the transport does
        not hook (`analyze`'s integrity counts them too), and, when it recorded no llm span, known LLM hosts
        looked up (a hooked client looks its host up as well)."""
        hosts = [] if self.llm_calls else [*self.llm_traffic.get("hosts", {})]
        return [*unrecorded_requests({"llm_traffic": dict(self.llm_traffic)}, self.llm_calls), *hosts]

    @property
    def work_ms(self) -> float | None:
        """The run's duration less its start-up: the app's work; None unless both are known."""
        if self.duration_ms is None or self.startup_ms is None:
            return None
        return max(0.0, self.duration_ms - self.startup_ms)


def summary_of(report: Report, llm_traffic: dict[str, dict[str, int]] | None = None) -> RunSummary:
    """The summary of a run's report (of at least `SUMMARY_SECTIONS`); `llm_traffic` is what the tracer heard of
    LLM APIs (`run_end`'s `attrs.llm_traffic`), which no report section keeps."""
    overview, llm, errors, health = report.overview, report.llm, report.errors, report.health
    if overview is None or llm is None or errors is None or health is None:
        raise ValueError(f"a run summary reads the report's {', '.join(SUMMARY_SECTIONS)} sections")
    run = overview.runs[0] if overview.runs else None
    return RunSummary(
        run_id=run.run_id if run else None, status=run.status if run else None,
        outcome=run.outcome if run else None, gave_up=run.gave_up if run else None,
        duration_ms=run.duration_ms if run else None, startup_ms=run.startup_ms if run else None,
        events=overview.events, spans_by_component=dict(overview.spans_by_component), llm_calls=llm.calls,
        input_tokens=llm.input_tokens, output_tokens=llm.output_tokens, total_tokens=llm.total_tokens,
        cost_usd=llm.cost_usd, unpriced_llm_calls=llm.unpriced_calls, no_usage_llm_calls=llm.no_usage_calls,
        tool_calls=overview.tool_calls, wire_tool_calls=overview.wire_tool_calls,
        unseen_tool_calls=overview.unseen_tool_calls, failed_spans=errors.failed_spans, errors=errors.total,
        handled_errors=errors.handled, unhandled_errors=errors.unhandled,
        error_types={kind.type: kind.count for kind in errors.by_type}, llm_traffic=dict(llm_traffic or {}),
        health=health.verdict, health_reason=health.failure or next(iter(health.reasons), None),
    )


def tools_seen(counts: JsonValue) -> tuple[int, int]:
    """From a `run_end`'s `attrs.tool_calls`: the tool calls recorded from the wire (no hook recorded them as they
    ran), and those the model asked for that nothing recorded.

    >>> tools_seen({"asked": 3, "hooked": 0, "wire": 2, "unseen": 1}), tools_seen(None)
    ((2, 1), (0, 0))
    """
    if not isinstance(counts, dict):
        return 0, 0
    return _positive(counts.get("wire")), _positive(counts.get("unseen"))


def _positive(value: JsonValue) -> int:
    """A count from 1 as recorded; 0 for anything else (missing, a bool, negative, not an int)."""
    return value if type(value) is int and value > 0 else 0


def usage_recorded(usage: JsonValue) -> bool:
    """Whether an event's `usage` (as written) says how many tokens went in or out: a recorded 0 does, a missing
    usage or one with a total alone does not (then the call cannot be priced: its cost is unknown, not 0).

    >>> usage_recorded({"input_tokens": 0}), usage_recorded({"total_tokens": 9}), usage_recorded(None)
    (True, False, False)
    """
    return isinstance(usage, dict) and any(
        isinstance(usage.get(key), int) and not isinstance(usage.get(key), bool)
        for key in ("input_tokens", "output_tokens"))
