"""Rules of the family `recording`: what the trace itself is missing.

`unrecorded_llm_calls` (run rule): the run's `run_end` counts requests to an LLM API path that no client hook
recorded (`RunClues.unrecorded`, `analysis/traffic.py`): sent through urllib or `http.client`, or with
`capture_http` off. Their calls are not in the trace, so no rule judged them, their tokens and cost are not
counted, and a rerun cannot answer them. `analyze`'s integrity counts the same requests
(`unrecorded_llm_requests`) and is not `ok` with any, which makes the run `degraded`. `info`: a fact about the
trace, not a fault of the app, and it points at no step (the blame takes a warning or a critical finding for a
cause); confidence high (the tracer heard each request). Evidence: the run's end, which counts them. Figures:
`requests`. One finding a run. Example: `2 requests to an LLM API not recorded (POST
127.0.0.1:8080/v1/chat/completions 2)`.
"""

from __future__ import annotations

from typing import Iterable

from ...records.refs import Ref
from ...traffic import HOW_TO_RECORD, unrecorded_text
from ...thresholds import Judging
from . import AgentRule, RunFigures, RunRule
from ...records.findings import Evidence, Finding
from ..notes.steps import RunClues


def unrecorded_llm_calls(run: RunClues, figures: RunFigures, judging: Judging) -> Iterable[Finding]:
    """One finding for a run whose `run_end` counts LLM requests no client hook recorded."""
    if not run.unrecorded or run.end_seq is None:
        return
    requests = sum(run.unrecorded.values())
    said = unrecorded_text(run.unrecorded)
    why = (f"unrecorded_llm_calls: run_end's attrs.llm_traffic.not_hooked counts {requests} request(s) to LLM API "
           "paths sent through a client namel3ss-debug does not hook (urllib, http.client), or with capture_http "
           "off: their calls, tokens and cost are missing from the trace and a rerun cannot answer them")
    end = Ref(run.run_id, run.end_seq, run.end_span_id or "", "app", run.end_name or "", "run")
    yield Finding("unrecorded_llm_calls", "info", "high", f"{said}: their calls are not in the trace", why,
                  HOW_TO_RECORD[:1].upper() + HOW_TO_RECORD[1:], [Evidence(end, f"run_end counts {said}")],
                  run.run_id, figures={"requests": float(requests)})


AGENT_RULES: list[AgentRule] = []
RUN_RULES: list[RunRule] = [unrecorded_llm_calls]
