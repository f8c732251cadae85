"""Pipeline.serialize: redact -> truncate -> serialize, end to end, and the fast path for clean events."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import orjson
import pytest

from namel3ss_debug.tracer.events import envelope
from namel3ss_debug.tracer.pipeline import Pipeline
from namel3ss_debug.redaction.redact import Redactor
from namel3ss_debug.tracer.truncate import Truncator

SECRET = "sk-proj-" + "Zq7Lm2Xv9Rt4Np8Kw3Ys6Hb1Jd5Fg0Ac" + "-Q1w2E3r4"
SECRET_BODY = SECRET[len("sk-proj-"):]


class CountingPipeline(Pipeline):
    """Counts slow-path serializations, to tell which path an event took."""

    slow_calls = 0

    def _slow(self, written: tuple[dict[str, Any], bytes], asked: int) -> bytes:
        self.slow_calls += 1
        return super()._slow(written, asked)


def make_event(**fields: Any) -> dict[str, Any]:
    event = envelope("20261122-070322-3f9a1c", "tool_call_end", "tool", "search", "0000000000000003",
                     "0000000000000002", "completed")
    event.update(fields)
    return event


def serialize(event: dict[str, Any], max_size: int = 65536) -> bytes:
    return Pipeline(Redactor(), Truncator(max_size)).serialize(event)


@pytest.mark.parametrize("fields", [
    {"inputs": {"messages": [{"role": "user", "content": f"my key is {SECRET}"}]}},
    {"outputs": {"return": SECRET}},
    {"error": {"type": "AuthError", "message": f"key {SECRET} rejected", "category": "auth"}},
    {"error": {"type": "AuthError", "message": "x", "stack": f'File "a.py", line 1\n  call("{SECRET}")\n'}},
    {"attrs": {"argv": ["app.py", "--model", "gpt-4o", SECRET]}},
], ids=["inputs", "outputs", "error.message", "error.stack", "attrs.argv"])
def test_value_pattern_secret_never_appears_in_the_output(fields):
    assert SECRET_BODY[:10].encode() not in serialize(make_event(**fields))


@pytest.mark.parametrize("fields", [
    {"error": {"type": "DBError", "message": "connect failed: password=hunter2", "category": "auth"}},
    {"error": {"type": "DBError", "message": "x", "stack": "db.connect(user='bob', password='hunter2')\n"}},
], ids=["error.message", "error.stack"])
def test_password_pair_in_an_error_never_appears_in_the_output(fields):
    assert b"hunter2" not in serialize(make_event(**fields))


def test_password_flag_in_attrs_argv_never_appears_in_the_output():
    assert b"hunter2" not in serialize(make_event(attrs={"argv": ["app.py", "--password=hunter2"]}))


def test_value_under_a_sensitive_key_never_appears_in_the_output():
    line = serialize(make_event(inputs={"headers": {"X-API-Key": "hunter2"}, "query": "weather"}))
    assert b"hunter2" not in line and b"weather" in line


@dataclasses.dataclass
class ClientConfig:
    base_url: str
    api_key: str


def test_sensitive_field_of_a_dataclass_never_appears_in_the_output():
    line = serialize(make_event(inputs={"config": ClientConfig("https://api.example", "hunter2")}))
    assert b"hunter2" not in line and b"https://api.example" in line


class PydanticLikeRequest:
    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        return {"model": "gpt-4o", "password": "hunter2"}


def test_sensitive_field_of_a_model_dump_object_never_appears_in_the_output():
    assert b"hunter2" not in serialize(make_event(inputs={"request": PydanticLikeRequest()}))


def test_secret_used_as_a_dict_key_never_appears_in_the_output():
    assert SECRET_BODY[:10].encode() not in serialize(make_event(inputs={"clients": {SECRET: "client-1"}}))


def test_event_without_a_secret_takes_the_fast_path():
    pipeline = CountingPipeline(Redactor(), Truncator(65536))
    pipeline.serialize(make_event(inputs={"query": "weather in Paris"}, outputs={"return": [1, 2]}))
    assert pipeline.slow_calls == 0


def test_event_without_a_secret_equals_plain_orjson_output():
    event = make_event(inputs={"query": "weather in Paris"}, duration_ms=12.5, usage={"total_tokens": 3})
    assert serialize(event) == orjson.dumps(event, option=orjson.OPT_APPEND_NEWLINE)


def test_event_with_an_error_takes_the_slow_path():
    pipeline = CountingPipeline(Redactor(), Truncator(65536))
    pipeline.serialize(make_event(error={"type": "ValueError", "message": "bad", "category": "parameter"}))
    assert pipeline.slow_calls == 1


def test_oversized_event_is_truncated():
    event = json.loads(serialize(make_event(outputs={"text": "x" * 5000}), max_size=256))
    assert event["truncated"]["outputs"]["original_size"] > 5000


def test_secret_straddling_the_truncation_boundary_is_not_half_kept():
    # max_size 256 cuts strings to 128 characters first; the key spans characters 110 to 159.
    text = "a " * 55 + SECRET + " " + "b" * 400
    line = serialize(make_event(inputs={"text": text}), max_size=256)
    assert json.loads(line)["truncated"]["inputs"]["original_size"] > 256
    assert b"sk-proj" not in line and SECRET_BODY[:6].encode() not in line


def test_without_a_redactor_secrets_are_kept():
    line = Pipeline(None, Truncator(65536)).serialize(make_event(inputs={"password": "hunter2"}))
    assert b"hunter2" in line


def test_output_is_one_line_of_json():
    line = serialize(make_event(inputs={"text": "a\nb", "key": SECRET}))
    assert line.count(b"\n") == 1 and json.loads(line)["inputs"]["text"] == "a\nb"


def test_a_value_learned_in_one_event_is_hidden_in_the_next_events_of_the_same_pipeline():
    pipeline = Pipeline(Redactor(), Truncator(65536))
    pipeline.serialize(make_event(inputs={"password": "Tr0ub4dor&3"}))
    echoed = pipeline.serialize(make_event(outputs={"text": "you typed Tr0ub4dor&3"}))
    assert b"Tr0ub4dor" not in echoed and b"[REDACTED:seen]" in echoed
