"""The kinds with no prefix of their own (issue 76): an AWS secret access key (40 base64 characters) and a
Datadog API or application key (32 or 40 hex digits) are hidden where their context names them, in the text
before or after them, or as a neighbour in the same list or object; a bare one, or one whose context is
further than 120 characters, is kept (docs/redaction.md says so), and so are git SHAs and MD5s."""

from __future__ import annotations

import json

import orjson
import pytest
from support.normalcorpus import changed, neighbour_forms

from namel3ss_debug.redaction.redact import Redactor

SECRET = "Qx7bVf2LmN9pRt4sWz8yHk3jDc6gAe1uTo5iPl0n"  # made up: 40 of base64 with upper, lower and digits
KEY_ID = "AKIAJ3V7WQZR2XKD4PLM"
API = "4f1d9c2b7a6e0358c1b2d3e4f5a6b7c8"  # 32 hex
APP = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"  # 40 hex


@pytest.fixture
def redactor() -> Redactor:
    return Redactor()


@pytest.mark.parametrize(("text", "hidden"), [
    (f"{SECRET} {KEY_ID}", "[REDACTED:aws_secret_access_key] [REDACTED:aws_access_key_id]"),
    (f"the secret {SECRET} goes with {KEY_ID}",
     "the secret [REDACTED:aws_secret_access_key] goes with [REDACTED:aws_access_key_id]"),
    (f"{SECRET} is the AWS one", "[REDACTED:aws_secret_access_key] is the AWS one"),
    (f"{API} is our datadog api key", "[REDACTED:datadog_key] is our datadog api key"),
    (f"{APP} (DD_APP_KEY)", "[REDACTED:datadog_key] (DD_APP_KEY)"),
    (f"{API} - via api.datadoghq.com", "[REDACTED:datadog_key] - via api.datadoghq.com"),
    (f"POST https://api.datadoghq.eu/api/v2/series key {API}", "POST https://api.datadoghq.eu/api/v2/series key "
                                                              "[REDACTED:datadog_key]"),
])
def test_a_key_named_by_the_text_after_it_or_its_api_host_is_hidden(redactor: Redactor, text: str,
                                                                   hidden: str) -> None:
    assert redactor.redact_text(text) == hidden


@pytest.mark.parametrize(("value", "expected"), [
    ([KEY_ID, SECRET], ["[REDACTED:aws_access_key_id]", "[REDACTED:aws_secret_access_key]"]),
    ((SECRET, KEY_ID), ["[REDACTED:aws_secret_access_key]", "[REDACTED:aws_access_key_id]"]),
    ({"id": KEY_ID, "value": SECRET}, {"id": "[REDACTED:aws_access_key_id]",
                                       "value": "[REDACTED:aws_secret_access_key]"}),
    ({"provider": "aws", "value": SECRET}, {"provider": "aws", "value": "[REDACTED:aws_secret_access_key]"}),
    ({"site": "datadoghq.eu", "k": API}, {"site": "datadoghq.eu", "k": "[REDACTED:datadog_key]"}),
    (["https://api.datadoghq.com", API, APP], ["https://api.datadoghq.com", "[REDACTED:datadog_key]",
                                               "[REDACTED:datadog_key]"]),
    ({"header": "DD-API-KEY", "value": API}, {"header": "DD-API-KEY", "value": "[REDACTED:datadog_key]"}),
    ({"DD_SITE": "us5.datadoghq.com", "one": APP}, {"DD_SITE": "us5.datadoghq.com", "one": "[REDACTED:datadog_key]"}),
])
def test_a_key_named_by_its_neighbour_in_a_list_or_object_is_hidden(redactor: Redactor, value: object,
                                                                    expected: object) -> None:
    assert redactor.redact(value) == expected


def test_the_tracer_writes_no_key_its_neighbour_names(redactor: Redactor) -> None:
    event = {"event_type": "tool_call_end", "component": "tool", "name": "credentials",
             "outputs": {"pair": [KEY_ID, SECRET], "datadog": {"site": "datadoghq.com", "api": API, "app": APP}}}
    written = orjson.dumps(redactor.redact_event(event, as_searched=True)).decode()
    assert not any(secret in written for secret in (KEY_ID, SECRET, API, APP)), written
    assert written.count("[REDACTED:") == 4  # the key id, the secret and both Datadog keys: the site is kept


@pytest.mark.parametrize("value", [
    SECRET, API, APP,  # alone: nothing tells them from a hash (the documented limit)
    f"here it is: {SECRET}", [SECRET, "eu-west-1"], {"value": API, "service": "agent"},
    f"aws {'and more words ' * 8}then {SECRET}",  # the context past 120 characters
    f"datadog {'x ' * 50}key {API}",  # `datadog` and `key` more than 40 characters apart
])
def test_a_key_nothing_near_names_is_kept(redactor: Redactor, value: object) -> None:
    assert redactor.redact(value) == (list(value) if isinstance(value, tuple) else value)


def test_git_shas_and_md5s_among_ordinary_neighbours_are_kept(redactor: Redactor) -> None:
    forms = neighbour_forms()
    found = changed(redactor.redact, forms)
    assert found == [], json.dumps(found[:3])


def test_a_value_does_not_name_itself(redactor: Redactor) -> None:
    own = "Abcdefgh/aws1234567890ABCDEFGHIJKLMNOPQR"  # 40 of base64 holding `aws` after a slash
    assert len(own) == 40 and redactor.redact([own, "eu-west-1"]) == [own, "eu-west-1"]
