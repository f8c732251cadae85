"""`namel3ss-debug trace` on the example apps writes traces that match the shipped v1 schema and form one tree.

Each app runs once per module, as a subprocess of the real CLI, with a config file of its own (so a
`.namel3ss/debug.json` in the checkout cannot change what is recorded) and no `NAMEL3SS_DEBUG_*` variables.
Besides the three examples, `failing_app` is written here to exercise the fields the examples never
produce: errors, truncation, bytes, memory samples, costs and segment rotation.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
from jsonschema import Draft202012Validator
from support.tracehelpers import (
    assert_tree,
    find,
    is_end,
    is_start,
    pair_spans,
    read_events,
    read_segments,
    schema_errors,
    segment_files,
    trace_validator,
)

import namel3ss_debug
from namel3ss_debug.model.error_category import CATEGORIES
from namel3ss_debug.model.events import COMPONENTS, EVENT_TYPES, STATUSES
from namel3ss_debug.schemas import load_trace_schema, trace_schema_path
from namel3ss_debug.tracer.truncate import PAYLOAD_FIELDS

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = ("research_agent", "chain_app", "async_multi_agent")
TRACED_APPS = (*EXAMPLES, "failing_app")
WORKERS = ("historian", "economist", "engineer")

FAILING_APP = '''
from namel3ss_debug import mark, span, trace_error, trace_llm_call, trace_tool_call

@trace_tool_call
def upload(blob: bytes, note: str):
    return {"head": blob[:4], "note": note}

@trace_llm_call(model="priced-model")
def ask(prompt):
    return {"text": "hi", "usage": {"prompt_tokens": 3, "completion_tokens": 2, "cache_read_input_tokens": 1}}

upload(b"\\x00\\x01binary", "x" * 5000)
ask("hello")
try:
    raise KeyError("missing")
except KeyError as exc:
    trace_error(exc, where="lookup")
for i in range(12):
    mark("tick", i=i)
with span("doomed", component="agent"):
    raise ValueError("bad parameter")
'''
FAILING_APP_CONFIG = {
    "max_payload_size": 256,
    "max_events_per_file": 7,
    "capture_memory": True,
    "price_overrides": {"priced-model": {"input": 1.0, "output": 2.0}},
}


@dataclass
class TracedApp:
    result: subprocess.CompletedProcess[str]
    directory: Path
    _events: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def events(self) -> list[dict[str, Any]]:
        if self._events is None:
            self._events = read_events(self.directory)
        return self._events


def run_trace(script: Path, config: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    command = [sys.executable, "-m", "namel3ss_debug", "trace", "--config", str(config), "-o", str(out), str(script)]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], TracedApp]:
    """`traced(app)`: the app's trace, recorded on first use."""
    cache: dict[str, TracedApp] = {}

    def get(app: str) -> TracedApp:
        if app not in cache:
            root = tmp_path_factory.mktemp(app)
            config = root / "debug.json"
            if app == "failing_app":
                script = root / "failing_app.py"
                script.write_text(FAILING_APP, encoding="utf-8")
                config.write_text(json.dumps(FAILING_APP_CONFIG), encoding="utf-8")
            else:
                script = Path("examples") / f"{app}.py"
                config.write_text("{}", encoding="utf-8")
            cache[app] = TracedApp(run_trace(script, config, root / "traces"), root / "traces")
        return cache[app]

    return get


# -- the schema itself ------------------------------------------------------------------------------

VALID_END = {
    "v": 1, "run_id": "20261122-070322-3f9a1c", "seq": 7, "ts": "2026-11-22T07:03:22.123456Z",
    "event_type": "tool_call_end", "component": "tool", "name": "search", "span_id": "0000000000000004",
    "parent_id": "0000000000000003", "status": "failed", "duration_ms": 3.2,
    "error": {"type": "TimeoutError", "message": "no answer", "category": "timeout"},
}
VALID_RUN_START = {
    "v": 1, "run_id": "20261122-070322-3f9a1c", "seq": 1, "ts": "2026-11-22T07:03:22.000001Z",
    "event_type": "run_start", "component": "app", "name": "app.py", "span_id": "0000000000000001",
    "parent_id": None, "status": "started",
    "attrs": {"entry": {"kind": "script", "name": "app.py"}, "argv": ["app.py"], "cwd": "/srv", "python": "3.12.1",
              "config": {}},
}


def _without(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda event: event.pop(key)


def _setting(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def change(event: dict[str, Any]) -> None:
        for part in parents:
            event = event[part]
        event[last] = value

    return change


BROKEN = {
    "missing seq": (VALID_END, _without("seq")),
    "unknown component": (VALID_END, _setting("component", "retriever")),
    "ts without time zone": (VALID_END, _setting("ts", "2026-11-22T07:03:22.123456")),
    "ts without microseconds": (VALID_END, _setting("ts", "2026-11-22T07:03:22Z")),
    "ts as a float": (VALID_END, _setting("ts", 1763795002.123456)),
    "unknown event type": (VALID_END, _setting("event_type", "tool_called")),
    "misspelt field": (VALID_END, _setting("duration", 3.2)),
    "end without duration": (VALID_END, _without("duration_ms")),
    "end with status started": (VALID_END, _setting("status", "started")),
    "short span id": (VALID_END, _setting("span_id", "4")),
    "null parent below the root": (VALID_END, _setting("parent_id", None)),
    "error without category": (VALID_END, lambda event: event["error"].pop("category")),
    "unknown error category": (VALID_END, _setting("error.category", "cosmic_ray")),
    "run_start with a parent": (VALID_RUN_START, _setting("parent_id", "0000000000000002")),
    "run_start without config": (VALID_RUN_START, lambda event: event["attrs"].pop("config")),
}


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(load_trace_schema())


def test_load_trace_schema_reads_the_file_shipped_in_the_package():
    assert trace_schema_path().parent == Path(namel3ss_debug.__file__).parent / "schemas"
    assert load_trace_schema() == json.loads(trace_schema_path().read_text(encoding="utf-8"))


def test_schema_vocabularies_match_the_model():
    schema = load_trace_schema()
    props = schema["properties"]
    assert (
        tuple(props["component"]["enum"]), tuple(props["status"]["enum"]),
        tuple(schema["$defs"]["error"]["properties"]["category"]["enum"]),
        sorted(props["event_type"]["anyOf"][0]["enum"]), tuple(props["truncated"]["propertyNames"]["enum"]),
    ) == (COMPONENTS, STATUSES, CATEGORIES, sorted(EVENT_TYPES), PAYLOAD_FIELDS)


def _undescribed(node: Any, path: str) -> list[str]:
    """Paths of properties without a description (the rules in `allOf` are conditions, not fields)."""
    if isinstance(node, list):
        return [found for index, item in enumerate(node) for found in _undescribed(item, f"{path}/{index}")]
    if not isinstance(node, dict):
        return []
    found = [f"{path}/{name}" for name, sub in node.get("properties", {}).items()
             if "description" not in sub and "/allOf/" not in path]
    return found + [item for key, sub in node.items() for item in _undescribed(sub, f"{path}/{key}")]


def test_every_field_of_the_schema_has_a_description():
    """The format reference in the docs is generated from these descriptions."""
    assert _undescribed(load_trace_schema(), "") == []


@pytest.mark.parametrize("event", [VALID_END, VALID_RUN_START], ids=["tool_call_end", "run_start"])
def test_schema_accepts_the_valid_events_the_broken_ones_are_made_from(event):
    assert schema_errors([event]) == []


@pytest.mark.parametrize("case", BROKEN)
def test_schema_rejects_a_broken_event(case):
    valid, breaks = BROKEN[case]
    event = copy.deepcopy(valid)
    breaks(event)
    assert not trace_validator().is_valid(event)


def test_schema_accepts_custom_event_types():
    assert schema_errors([{**VALID_END, "event_type": "custom_cache_hit", "status": "completed"}]) == []


# -- every traced app --------------------------------------------------------------------------------

@pytest.mark.parametrize(("app", "exit_code"), [(name, 0) for name in EXAMPLES] + [("failing_app", 1)])
def test_trace_exits_with_the_apps_code_and_writes_one_run(traced, app, exit_code):
    recorded = traced(app)
    assert recorded.result.returncode == exit_code, recorded.result.stderr
    assert segment_files(recorded.directory)


@pytest.mark.parametrize("app", TRACED_APPS)
def test_every_line_validates_against_the_shipped_schema(traced, app):
    assert schema_errors(traced(app).events) == []


@pytest.mark.parametrize("app", TRACED_APPS)
def test_seq_runs_from_0_without_gaps_in_file_order(traced, app):
    events = traced(app).events
    assert [event["seq"] for event in events] == list(range(len(events)))


def _identity(event: dict[str, Any]) -> tuple[str, str]:
    # run_end is named "run" whatever run_start is called: see test_run_end_has_the_name_of_run_start
    return event["component"], "" if event["event_type"] in ("run_start", "run_end") else event["name"]


@pytest.mark.parametrize("app", TRACED_APPS)
def test_every_span_start_has_one_end_with_the_same_component_and_name(traced, app):
    pairs = pair_spans(traced(app).events)
    mismatched = [(start["seq"], end["seq"]) for start, end in pairs.values() if _identity(start) != _identity(end)]
    assert len(pairs) > 1 and mismatched == []


def test_run_end_has_the_name_of_run_start(traced):
    events = traced("research_agent").events
    assert find(events, "run_end")[0]["name"] == find(events, "run_start")[0]["name"]


@pytest.mark.parametrize("app", TRACED_APPS)
def test_parent_links_form_one_tree_rooted_at_run_start(traced, app):
    assert assert_tree(traced(app).events)["event_type"] == "run_start"


@pytest.mark.parametrize("app", TRACED_APPS)
def test_each_segment_begins_with_a_segment_start_that_names_it(traced, app):
    segments = read_segments(traced(app).directory)
    heads = [(seg[0]["event_type"], seg[0]["attrs"]["segment"], seg[0]["attrs"]["first_seq"]) for seg in segments]
    assert heads == [("segment_start", index, seg[0]["seq"]) for index, seg in enumerate(segments)]


def test_run_start_follows_the_first_segment_start(traced):
    events = traced("research_agent").events
    assert [event["event_type"] for event in events[:2]] == ["segment_start", "run_start"]


@pytest.mark.parametrize("app", TRACED_APPS)
def test_start_and_end_events_are_balanced_in_file_order(traced, app):
    """No end is written before its start, so a one-pass reader can pair them."""
    opened: set[str] = set()
    for event in traced(app).events:
        if is_start(event):
            opened.add(event["span_id"])
        elif is_end(event):
            assert event["span_id"] in opened, f"seq {event['seq']} ends a span not yet started"


# -- what each app's trace must show -----------------------------------------------------------------

def test_research_search_times_out_once_then_succeeds_on_retry(traced):
    events = traced("research_agent").events
    pairs = pair_spans(events)
    searches = sorted((pairs[end["span_id"]] for end in find(events, "tool_call_end", "search")),
                      key=lambda pair: pair[1]["seq"])
    failed = [index for index, (_, end) in enumerate(searches) if end["status"] == "failed"]
    assert len(failed) == 1 and failed[0] + 1 < len(searches)
    start, end = searches[failed[0]]
    retry_start, retry_end = searches[failed[0] + 1]
    assert (end["error"]["type"], end["error"]["category"]) == ("TimeoutError", "timeout")
    assert retry_start["seq"] > end["seq"] and retry_start["inputs"] == start["inputs"]
    assert retry_end["status"] == "completed"


def _agents_by_name(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {event["name"]: event for event in find(events, "agent_execution_start")}


def test_async_workers_are_children_of_the_coordinator(traced):
    agents = _agents_by_name(traced("async_multi_agent").events)
    assert len({agents[name]["task"] for name in WORKERS}) == 3  # each worker ran in its own task
    assert {name: agents[name]["parent_id"] for name in WORKERS} == dict.fromkeys(
        WORKERS, agents["coordinator"]["span_id"])


def test_async_concurrent_llm_calls_are_children_of_their_own_worker(traced):
    events = traced("async_multi_agent").events
    agents = _agents_by_name(events)
    calls = find(events, "llm_call_start", "worker_llm")
    first_end = min(end["seq"] for end in find(events, "llm_call_end", "worker_llm"))
    assert all(call["seq"] < first_end for call in calls)  # the three calls overlapped
    asker = [(re.match(r"As the (\w+),", call["inputs"]["prompt"]).group(1), call["parent_id"]) for call in calls]
    assert sorted(asker) == sorted((name, agents[name]["span_id"]) for name in WORKERS)


def test_async_thread_pool_tool_spans_are_children_of_the_worker_that_submitted_them(traced):
    events = traced("async_multi_agent").events
    drafts = sorted((end["outputs"]["return"]["draft"], end["span_id"])
                    for end in find(events, "agent_execution_end") if end["name"] in WORKERS)
    scores = find(events, "tool_call_start", "score_draft")
    assert all(score["thread"].startswith("scorer") for score in scores)  # they ran in the pool's threads
    assert sorted((score["inputs"]["text"], score["parent_id"]) for score in scores) == drafts


def test_failing_app_trace_exercises_the_optional_fields(traced):
    """So that its passing the schema says something about errors, truncation, bytes, memory and cost."""
    events = traced("failing_app").events
    lines = "\n".join(json.dumps(event) for event in events)
    present = {
        "several segments": len(find(events, "segment_start")) > 1,
        "truncated": any("truncated" in event for event in events),
        "bytes marker": '"$bytes"' in lines,
        "memory_mb": any("memory_mb" in event for event in events),
        "cost_usd": any("cost_usd" in event for event in events),
        "extra usage key": any("cache_read_input_tokens" in event.get("usage", {}) for event in events),
        "failed span": any(is_end(event) and event["status"] == "failed" and "error" in event for event in events),
        "error_occurred": len(find(events, "error_occurred")) == 2,
        "failed run_end": find(events, "run_end")[0]["status"] == "failed",
    }
    assert [name for name, found in present.items() if not found] == []
