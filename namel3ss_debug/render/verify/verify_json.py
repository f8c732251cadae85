"""The JSON view of `verify`'s report (`namel3ss-debug/verify/v1`): the record as plain JSON, with the verdict,
its reason and the exit code at the top."""

from __future__ import annotations

from typing import Any

import orjson

from ...judging.verify_report import SCHEMA, VerifyReport
from ..json_text import plain, terminal_safe


def verify_dict(report: VerifyReport) -> dict[str, Any]:
    document = {"schema": SCHEMA, "verdict": report.verdict.verdict, "why": report.verdict.why,
                "exit_code": report.exit_code, "passes": report.repeats.passes,
                "pass_k": plain(report.repeats.pass_k), "live_tries": report.live_tries,
                **{name: value for name, value in plain(report).items() if name != "repeats"}}
    _outcome(document["recorded"])
    for attempt, done in zip(document["tries"], report.tries):
        _outcome(attempt["outcome"], done.stopped is None)
        attempt["passed"] = done.passed
    return document


def _outcome(outcome: dict[str, Any] | None, ended: bool = True) -> None:
    """An outcome as JSON: `passed` written out (never for a run that was stopped before it could end), and each
    failure's `label` (what two runs' are matched by)."""
    if outcome is None:
        return
    outcome["passed"] = ended and not outcome["failures"]
    for failure in outcome["failures"]:
        failure["label"] = f"{failure['kind']} {failure['name']}".strip()


def verify_json(report: VerifyReport) -> bytes:
    """Indented UTF-8 JSON and a newline; characters that could drive a terminal are escaped."""
    data = orjson.dumps(verify_dict(report), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str)
    return terminal_safe(data) + b"\n"
