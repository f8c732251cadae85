"""Redactor.redact_event on the tracer's own event: each field searched in its own JSON, and written as searched."""

from __future__ import annotations

import dataclasses

import orjson

from namel3ss_debug.redaction.redact import Redactor

SECRET = "sk-proj-" + "Zq7Lm2Xv9Rt4Np8Kw3Ys6Hb1Jd5Fg0Ac" + "-Q1w2E3r4"


@dataclasses.dataclass
class Reply:
    text: str


def make_event() -> dict[str, object]:
    return {"event_type": "llm_call_end", "inputs": {"messages": [{"role": "user", "content": "hello there"}]},
            "outputs": {"return": Reply(f"use {SECRET} now")}}


def test_a_field_left_as_it_is_is_written_as_it_was_searched_not_as_it_is_later() -> None:
    event = make_event()
    redacted = Redactor().redact_event(event, as_searched=True)
    event["inputs"]["messages"].append({"role": "user", "content": SECRET})  # type: ignore[index]  # another thread
    line = orjson.dumps(redacted)
    assert SECRET.encode() not in line
    assert orjson.loads(line)["inputs"] == {"messages": [{"role": "user", "content": "hello there"}]}


def test_a_field_orjson_writes_natively_is_searched_in_its_json() -> None:
    line = orjson.dumps(Redactor().redact_event(make_event(), as_searched=True))
    assert SECRET.encode() not in line
    assert orjson.loads(line)["outputs"] == {"return": {"text": "use [REDACTED:openai_project_key] now"}}


def test_without_as_searched_the_fields_left_as_they_are_are_the_same_objects() -> None:
    event = make_event()
    assert Redactor().redact_event(event)["inputs"] is event["inputs"]
