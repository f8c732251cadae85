"""What the run index's tests share: an environment of the test's own, a directory's catalogue, and a run's
figures as `analyze RUN --format json` gives them, read off the JSON (not through `run_row.row_of`), to compare
with the run's row and operations; its question and answer read straight off its trace (`said_in`)."""

from __future__ import annotations

import math
import shlex
import os
from pathlib import Path
from typing import Any

import msgspec
import orjson

from namel3ss_debug.analysis.run_row import OperationTimes, RunRow
from namel3ss_debug.ops.analyze.analyze import AnalyzeRequest, analyze_traces
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.runs.catalogue import Catalogue, CatalogueRequest, open_catalogue
from namel3ss_debug.ops.traces import TraceArgs
from namel3ss_debug.render.analyze.analyze_json import render_json

SEVERITIES = ("info", "warning", "critical")


def environment(cwd: Path, warnings: list[str] | None = None) -> Environment:
    """The process's environment without `NAMEL3SS_DEBUG_*` (the session's cache directory kept), its warnings
    collected in `warnings`."""
    environ = {name: value for name, value in os.environ.items() if not name.startswith("NAMEL3SS_DEBUG_")}
    return Environment(environ=environ, cwd=cwd, warn=warnings.append if warnings is not None else print)


def catalogue(directory: Path, warnings: list[str] | None = None) -> Catalogue:
    return open_catalogue(CatalogueRequest(directory=str(directory)), environment(directory, warnings))


def analyzed(files: list[str], env: Environment) -> dict[str, Any]:
    """`analyze FILES --format json --no-cache`'s document."""
    report = analyze_traces(AnalyzeRequest(TraceArgs(tuple(files)), cache=False), env)
    return orjson.loads(render_json(report))


def expected_row(data: dict[str, Any]) -> dict[str, Any]:
    """The row's fields as analyze's JSON of the run alone says them, its question and answer as its trace files
    say them (`said_in`)."""
    overview, (run,) = data["overview"], data["overview"]["runs"]
    findings: dict[str, str] = {}
    for finding in data["findings"]["findings"]:
        kind, severity = finding["kind"], finding["severity"]
        if SEVERITIES.index(severity) >= SEVERITIES.index(findings.get(kind, "info")):
            findings[kind] = severity
    lineage, blames, integrity = run["rerun_of"], data["findings"]["blames"], data["integrity"]
    return {
        "run_id": run["run_id"], "files": run["files"], "entry": run["entry"], "started": run["started"],
        "duration_ms": run["duration_ms"], "status": run["outcome"], "exit_code": run["exit_code"],
        "models": sorted(model["model"] for model in data["llm"]["models"]), "frameworks": sorted(run["frameworks"]),
        "tags": run["tags"], "llm_calls": overview["llm_calls"], "tool_calls": overview["tool_calls"],
        "total_tokens": overview["total_tokens"], "cost_usd": overview["cost_usd"],
        "unpriced_calls": overview["unpriced_llm_calls"], "errors": overview["errors"],
        "handled_errors": overview["handled_errors"], "unhandled_errors": overview["unhandled_errors"],
        "health": data["health"]["verdict"], "findings": findings,
        "findings_by_severity": data["findings"]["counts"],
        "parent": lineage and lineage["run_id"], "lineage": lineage and ("fork" if lineage["fork"] else "rerun"),
        "failure": blames[0]["failure"] if blames else None,
        "tools": {tool["name"]: [tool["calls"], tool["failures"]] for tool in data["tools"]},
        "error_types": [kind["type"] for kind in data["errors"]["by_type"]],
        "problems": integrity["torn_lines"] + integrity["invalid_lines"] + integrity["seq_gaps"],
        **said_in(run["files"]),
        "error_messages": list(dict.fromkeys(_line(example["message"]) for kind in data["errors"]["by_type"]
                                             for example in kind["examples"]))[:5],
        "stopped": run["stopped"], "gave_up": run["gave_up"],
    }


def said_in(files: list[str]) -> dict[str, str | None]:
    """`input` and `output` of a run's trace: its first LLM call's first user message (a `prompt`, or `messages`),
    else its arguments; its last LLM answer (a `text`, or a returned text), else its returned output."""
    events = [event for path in files for line in Path(path).read_bytes().splitlines() if (event := _event(line))]
    starts = [event for event in events if event["event_type"] == "llm_call_start"]
    inputs = starts[0].get("inputs") or {} if starts else {}
    users = [message["content"] for message in inputs.get("messages", ()) if message["role"] == "user"]
    question = inputs.get("prompt") or (users[0] if users else None)
    if question is None:
        argv = next(event["attrs"]["argv"] for event in events if event["event_type"] == "run_start")
        question = shlex.join(argv[1:]) or None
    answers = [event["outputs"].get("text") or event["outputs"].get("return") for event in events
               if event["event_type"] == "llm_call_end" and event.get("outputs")]
    ends = [event.get("outputs") or {} for event in events if event["event_type"] == "run_end"]
    answer = next((said for said in reversed(answers) if isinstance(said, str) and said),
                  ends[0].get("return") if ends else None)
    return {"input": _line(question), "output": _line(answer)}


def _event(line: bytes) -> dict[str, Any] | None:
    """A line's event; None for a line torn or not an event (the tests' runs with problems have them)."""
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return event if isinstance(event, dict) and "event_type" in event else None


def _line(text: str | None) -> str | None:
    """A text as the row keeps it: whitespace runs one space, at most 200 characters (the 200th an ellipsis)."""
    if text is None or not text.split():
        return None
    joined = " ".join(text.split())
    return joined if len(joined) <= 200 else joined[:199].rstrip() + "…"


def expected_operations(data: dict[str, Any]) -> dict[str, tuple[int, int, float]]:
    """Each operation of analyze's `operations` section: (timed spans, errors, total ms)."""
    found = {}
    for op in data["operations"]:
        label = f"{op['kind']}:{op['name']}" if op["kind"] in ("agent_turn", "chain_step") else \
            f"{op['component']}:{op['name']}"
        found[label] = (op["latency"]["count"], op["errors"], op["latency"]["total_ms"])
    return found


def row_fields(row: RunRow) -> dict[str, Any]:
    return msgspec.to_builtins(row)


def operation_fields(operations: list[OperationTimes]) -> dict[str, tuple[int, int, float]]:
    """The operations as `expected_operations` says them (totals to analyze's JSON's 3 decimals)."""
    return {op.operation: (len(op.durations), op.errors, round(math.fsum(op.durations), 3)) for op in operations}
