"""Inputs found by an adversarial review: each once leaked a secret, hung, raised or broke the trace."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from unittest.mock import MagicMock

import orjson
import pytest
from support.growth import assert_linear, cpu_seconds

from namel3ss_debug import current_span, mark, span, trace_memory_operation, trace_tool_call
from namel3ss_debug.tracer.events import envelope, usage_of
from namel3ss_debug.tracer.pipeline import Pipeline
from namel3ss_debug.redaction.redact import Redactor, normalize_key
from namel3ss_debug.tracer.serialize import dumps
from namel3ss_debug.tracer.truncate import Truncator

OPENAI = "sk-proj-A1b2C3d4E5f6G7h8J9k0LmNoPq"
AWS = "AKIAIOSFODNN7EXAMPLE"


def written(event_payload: dict, **redactor) -> bytes:
    event = envelope("r", "custom_span_end", "custom", "x", "0000000000000002", "0000000000000001", "completed")
    event.update(event_payload)
    return Pipeline(Redactor(**redactor), Truncator(65536)).serialize(event)


# -- pairs in error text --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, secret", [
    ("login failed: accessToken=tok9secret", "tok9secret"),
    ("clientSecret: cs9secret", "cs9secret"),
    ("OPENAIAPIKEY=oa9secret", "oa9secret"),
    ("{'Authorization': 'Basic dXNlcjpodW50ZXIy'}", "dXNlcjpodW50ZXIy"),
    ("Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
    ("Cookie: theme=dark; sessionid=sess9secret", "sess9secret"),
    ("{'password': b'pw9secret'}", "pw9secret"),
    ('password="correct horse battery"', "battery"),
    ("password='pw,9secret'", "9secret"),
    ('{"password": "ab\\"pw9secret"}', "pw9secret"),
])
def test_pair_values_in_error_text_are_hidden_whole(text: str, secret: str) -> None:
    line = written({"error": {"type": "E", "message": text, "category": "unknown"}})
    assert secret.encode() not in line


def test_pairs_are_not_applied_to_ordinary_payload_text() -> None:
    line = written({"inputs": {"prompt": "reset the password: call the desk"}})
    assert b"call the desk" in line


# -- tokens -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "\u30ad\u30fc\u306f" + OPENAI + "\u3067\u3059",
    "key_" + OPENAI,
    "\u9375" + AWS + "\u3067\u3059",
    AWS + "_old",
])
def test_tokens_next_to_underscores_and_non_ascii_letters_are_found(text: str) -> None:
    line = written({"inputs": {"text": text}})
    assert OPENAI.encode() not in line and AWS.encode() not in line


@pytest.mark.slow
@pytest.mark.parametrize("unit, head", [
    ("sk-", " "), ("eyJ.", " "), ("-----BEGIN PRIVATE KEY-----\n", "\n"), ("Bearer ", " "),
    ("sk-" + "a" * 20 + "-", " "), ("eyJ" + "a" * 20 + "-", " "), ("password=", " "), ("SharedAccessKey=", " "),
])
def test_pathological_text_is_redacted_in_linear_time(unit: str, head: str) -> None:
    # A marker repeated, or a marker and a token body that never qualifies: a look-ahead asked at each marker
    # over the rest of the run made `sk-` * 20000 take 20 s of CPU in one re.sub.
    redactor = Redactor()
    texts = {size: "A" * 17 + head + unit * size for size in (250, 4000)}
    assert_linear(lambda size: cpu_seconds(lambda: redactor.redact_text(texts[size]), tries=3), 250, 4000)


def test_a_pair_value_longer_than_the_window_is_hidden_whole() -> None:
    value = "Xy9" * 1000 + "TAIL7secret"  # 3011 characters, no space: past the 256 the value is judged by
    hidden = Redactor().redact_text(f"connect password={value} now", pairs=True)
    assert hidden == "connect password=[REDACTED] now"
    assert Redactor().redact_text(f"config password={value} now") == "config password=[REDACTED] now"


# -- keys ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("configured, key", [
    ("sessionId", "session_id"), ("Session-Id", "sessionid"), ("SESSION_ID", "session-id"),
])
def test_configured_keys_match_every_spelling_of_the_same_name(configured: str, key: str) -> None:
    assert b"sess9secret" not in written({"inputs": {key: "sess9secret"}}, keys=[configured])
    assert normalize_key(configured) == "session_id"


def test_key_rule_and_pre_scan_agree_on_non_ascii_case() -> None:
    redactor, key = Redactor(), "TO\u212aEN"  # a Kelvin sign, which str.lower() turns into "k"
    assert redactor.is_sensitive_key(key) == redactor.line_may_hold_secret(orjson.dumps({key: 1}))


def test_a_configured_key_does_not_hide_the_tracers_own_fields() -> None:
    event = written({"usage": {"input_tokens": 3, "output_tokens": 4, "total_tokens": 7}}, keys=["tokens"])
    assert orjson.loads(event)["usage"]["total_tokens"] == 7


def test_bytes_keys_and_bytes_values_are_searched_as_text() -> None:
    line = written({"inputs": {b"api_key": b"hunter2pw", "raw": b"Authorization: Bearer " + OPENAI.encode()}})
    assert b"hunter2pw" not in line
    raw = orjson.loads(line)["inputs"]["raw"]
    assert (raw["redacted"], OPENAI.encode() in line) == (True, False)


def test_binary_bytes_are_left_as_they_are() -> None:
    blob = bytes(range(256))
    assert orjson.loads(written({"inputs": {"blob": blob}}))["inputs"]["blob"]["size"] == 256


def test_a_memory_value_stored_under_a_sensitive_key_is_hidden(capture) -> None:
    with capture() as run:
        trace_memory_operation("write", key="api_key", value="hunter2pw")
    assert b"hunter2pw" not in orjson.dumps(run.events)


def test_configured_patterns_are_not_written_in_run_start(capture) -> None:
    with capture(redact_patterns=[r"db-pass: c0rrect\.horse"]) as run:
        pass
    assert b"c0rrect" not in orjson.dumps(run.events)


# -- never raising, never changing the app -----------------------------------------------------------------
def test_a_mock_argument_is_not_called_by_the_tracer(capture) -> None:
    client = MagicMock()

    @trace_tool_call
    def use(c):
        return "ok"

    with capture():
        use(client)
    assert client.mock_calls == []


def test_nan_and_infinite_token_counts_are_dropped(capture) -> None:
    with capture() as run:
        with span("x"):
            current_span().set_usage(input_tokens=float("nan"), output_tokens=float("inf"))
    assert "usage" not in run.of_type("custom_span_end")[0]


def test_a_repr_that_exits_does_not_reach_the_app(capture) -> None:
    class Exits:
        def __repr__(self):
            raise SystemExit(3)

    @trace_tool_call
    def use(x):
        return "ok"

    with capture():
        assert use(Exits()) == "ok"


# -- valid traces -----------------------------------------------------------------------------------------------
def test_lone_surrogates_keep_the_event_whole() -> None:
    event = orjson.loads(written({"inputs": {"file": "caf\udce9.txt"}, "outputs": {"ok": True}}))
    assert (event["inputs"]["file"], event["outputs"]) == ("caf\\udce9.txt", {"ok": True})


def test_an_int_too_long_for_str_keeps_the_event_whole() -> None:
    event = orjson.loads(dumps({"v": 1, "outputs": {"n": 10 ** 5000}}))
    assert event["outputs"]["n"].startswith("<int of ")


def test_usage_counts_out_of_range_are_dropped() -> None:
    assert usage_of({"usage": {"output_tokens": -1, "cached_tokens": 2 ** 64, "input_tokens": 5}}) == {
        "input_tokens": 5, "total_tokens": 5}


@pytest.mark.parametrize("prefix, expected", [("custom_Retrieval", "custom_retrieval_start"),
                                              ("r\u00e9sum\u00e9", "custom_r_sum_start")])
def test_event_prefixes_become_lower_case_ascii(capture, prefix: str, expected: str) -> None:
    with capture() as run:
        with span("x", event_prefix=prefix):
            pass
    assert run.events[2]["event_type"] == expected


def test_non_string_names_and_non_object_attrs_are_coerced(capture) -> None:
    with capture() as run:
        mark(42)
        with span("x", attrs=["a", "b"]) as s:
            s.set_model(123)
    marker, start, end = run.events[2], run.events[3], run.events[4]
    assert (marker["name"], start["attrs"], end["model"]) == ("42", {"value": ["a", "b"]}, "123")


def test_an_event_traced_while_the_tracer_serializes_gets_its_own_seq(capture) -> None:
    @trace_tool_call
    def inner():
        return 1

    class Noisy:
        def __repr__(self):
            inner()
            return "Noisy()"

    @trace_tool_call
    def outer(x):
        return "ok"

    with capture() as run:
        outer(Noisy())
    seqs = [event["seq"] for event in run.events]
    assert seqs == list(range(len(seqs)))


def test_a_held_start_keeps_its_inputs_as_they_were_at_the_start(capture) -> None:
    @trace_tool_call
    def chat(messages):
        messages.append("reply")
        return "ok"

    with capture(min_duration_ms=0.000001) as run:
        chat(["question"])
    (start,) = run.of_type("tool_call_start")
    assert start["inputs"] == {"messages": ["question"]}


def test_a_decorator_takes_the_name_alone_as_its_argument(capture) -> None:
    @trace_tool_call("search")
    def find(q):
        return [q]

    with capture() as run:
        assert find("x") == ["x"]
    assert [e["name"] for e in run.calls("tool")] == ["search"]


# -- second review ---------------------------------------------------------------------------------------
def test_a_secret_in_bytes_is_redacted_even_without_a_sensitive_key() -> None:
    line = written({"outputs": {"return": b"sk-A1b2C3d4E5f6G7h8J9k0L1m2"}})
    decoded = orjson.loads(line)["outputs"]["return"]
    assert decoded["redacted"] is True
    assert b"sk-A1b2C3d4E5f6G7h8J9k0L1m2" not in __import__("base64").b64decode(decoded["$bytes"])


@pytest.mark.parametrize("text", ["-" * 30000, "a_" * 15000, "eyJ-" * 25000 + " " + "a" * 17])
def test_pair_and_jwt_patterns_take_linear_time(tmp_path, text: str) -> None:
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(f"""
        from namel3ss_debug.redaction.redact import Redactor
        Redactor().redact_text({text!r}, pairs=True)
    """))
    subprocess.run([sys.executable, str(script)], check=True, timeout=60)


def test_a_jwt_needs_three_parts() -> None:
    redactor = Redactor()
    jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcDEF123456ghiJKL"
    assert redactor.redact_text(f"t {jwt} x") == "t [REDACTED:jwt] x"
    header_only = "t eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9 x"  # a JWT's header alone is not a token
    assert redactor.redact_text(header_only) == header_only


def test_a_configured_key_without_ascii_letters_is_ignored_by_the_redactor() -> None:
    redactor = Redactor(keys=["\u043f\u0430\u0440\u043e\u043b\u044c"])
    assert redactor.is_sensitive_key("anything") is False
