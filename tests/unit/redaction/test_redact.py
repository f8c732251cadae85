"""Redactor: secrets by key and by value pattern, argv flags, and the conservative fast test."""

from __future__ import annotations

import base64
import random
import string

import pytest

from namel3ss_debug.tracer.events import envelope
from namel3ss_debug.redaction.redact import DEFAULT_KEYS, REDACTED, Redactor, key_spellings, normalize_key
from namel3ss_debug.tracer.serialize import dumps

ALNUM = string.ascii_letters + string.digits


def random_text(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def openai_key(rng: random.Random) -> str:
    return "sk-proj-" + random_text(rng, ALNUM, 40) + "-" + random_text(rng, ALNUM + "-_", 20)


def anthropic_key(rng: random.Random) -> str:
    return "sk-ant-api03-" + random_text(rng, ALNUM, 60) + "-" + random_text(rng, ALNUM + "-_", 30)


def aws_key(rng: random.Random) -> str:
    return "AKIA" + random_text(rng, string.ascii_uppercase + string.digits, 16)


def bearer(rng: random.Random) -> str:
    return "Bearer " + random_text(rng, ALNUM, 32) + random_text(rng, ALNUM + "._~+/-", 8)


def jwt(rng: random.Random) -> str:
    def segment(n: int) -> str:
        return base64.urlsafe_b64encode(rng.randbytes(n)).decode().rstrip("=")

    return "eyJ" + segment(24) + "." + segment(30) + "." + segment(32)


def pem(rng: random.Random) -> str:
    body = base64.b64encode(rng.randbytes(rng.choice([121, 400, 1200]))).decode()
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN PRIVATE KEY-----\n{lines}\n-----END PRIVATE KEY-----"


SECRET_MAKERS = {
    "openai_project_key": openai_key,
    "anthropic_key": anthropic_key,
    "aws_access_key_id": aws_key,
    "bearer": bearer,
    "jwt": jwt,
    "private_key": pem,
}


# ---------------------------------------------------------------- by key


@pytest.mark.parametrize("key", ["X-API-Key", "accessToken", "OPENAI_API_KEY", "password", "Set-Cookie",
                                 "Authorization", "apiKey", "client_secret", "aws_secret_access_key", "refresh_token"])
def test_key_naming_a_secret_is_sensitive(key):
    assert Redactor().is_sensitive_key(key)


@pytest.mark.parametrize("key", ["max_tokens", "total_tokens", "tokenizer", "input_tokens", "model", "prompt"])
def test_key_merely_resembling_a_secret_is_kept(key):
    assert not Redactor().is_sensitive_key(key)


def test_non_string_key_is_not_sensitive():
    assert not Redactor().is_sensitive_key(42)


def test_normalize_key_gives_the_canonical_form_of_a_configured_name():
    assert normalize_key(" X-Session-Id ") == "x_session_id"


def test_key_spellings_cover_underscore_dash_and_joined_forms():
    assert set(key_spellings(["api_key"])) == {"api_key", "api-key", "apikey"}


def test_configured_extra_key_is_sensitive_in_any_spelling():
    redactor = Redactor(keys=["session-id"])
    assert redactor.is_sensitive_key("sessionId") and redactor.is_sensitive_key("X-Session-Id")


def test_redact_replaces_the_whole_value_under_a_sensitive_key():
    value = {"api_key": "abc", "headers": {"Authorization": "xyz"}, "max_tokens": 5}
    assert Redactor().redact(value) == {"api_key": REDACTED, "headers": {"Authorization": REDACTED}, "max_tokens": 5}


def test_redact_replaces_a_nested_object_under_a_sensitive_key():
    assert Redactor().redact({"credentials": {"user": "u", "pw": "p"}}) == {"credentials": REDACTED}


def test_redact_keeps_none_under_a_sensitive_key():
    assert Redactor().redact({"password": None}) == {"password": None}


def test_redact_walks_lists_of_dicts():
    assert Redactor().redact([{"token": "t"}, {"n": 1}]) == [{"token": REDACTED}, {"n": 1}]


def test_redact_does_not_change_its_argument():
    value = {"password": "p"}
    Redactor().redact(value)
    assert value == {"password": "p"}


@pytest.mark.parametrize("key", ["SECRET_KEY", "secret_key"])
def test_secret_key_setting_is_sensitive(key):
    assert Redactor().is_sensitive_key(key)


# ---------------------------------------------------------------- by value pattern


@pytest.mark.parametrize("label", sorted(SECRET_MAKERS))
def test_builtin_pattern_replaces_the_secret_in_text(label):
    secret = SECRET_MAKERS[label](random.Random(label))
    text = Redactor().redact_text(f"calling with {secret} now")
    assert secret.removeprefix("Bearer ") not in text
    assert text == f"calling with {'Bearer ' if label == 'bearer' else ''}[REDACTED:{label}] now"


def test_anthropic_key_is_labelled_anthropic_not_openai():
    assert Redactor().redact_text("sk-ant-" + "a1" * 20) == "[REDACTED:anthropic_key]"


def test_short_sk_word_is_not_a_key():
    assert Redactor().redact_text("use sk-learn and Bearer auth") == "use sk-learn and Bearer auth"


def test_span_id_is_not_a_secret():
    assert Redactor().redact_text("0000000000000abc") == "0000000000000abc"


def test_configured_pattern_replaces_its_matches():
    assert Redactor(patterns=[r"acct-\d{6}"]).redact_text("for acct-123456.") == "for [REDACTED:pattern]."


def test_redact_applies_patterns_to_strings_inside_structures():
    key = openai_key(random.Random(1))
    assert Redactor().redact({"messages": [{"content": f"my key is {key}"}]}) == {
        "messages": [{"content": "my key is [REDACTED:openai_project_key]"}]}


# ---------------------------------------------------------------- pairs


def test_password_pair_is_redacted_in_any_text():
    assert Redactor().redact_text("connect with password=hunter2") == "connect with password=[REDACTED]"


def test_colon_pair_in_prose_is_kept_unless_the_value_looks_like_a_credential():
    redactor = Redactor()
    assert redactor.redact_text("The secret: patience") == "The secret: patience"
    assert redactor.redact_text("secret: Tr0ub4dor") == "secret: [REDACTED]"


@pytest.mark.parametrize("code", ['api_key = os.environ["OPENAI_API_KEY"]', "password = getpass()",
                                  'headers = {"Authorization": f"Bearer {token}"}', "if password == expected:",
                                  "login(password=password)", "token=None", "api_key: str"])
def test_code_that_names_a_secret_is_kept(code):
    assert Redactor().redact_text(code) == code


def test_a_quoted_pair_value_keeps_its_quotes():
    assert Redactor().redact_text('{"password": "hunter2"}') == '{"password": "[REDACTED]"}'


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "basic"])
def test_a_pair_value_a_detector_hid_after_an_auth_scheme_is_left_as_it_is(scheme):
    text = f"Authorization: {scheme} [REDACTED:bearer]"  # `bearer` starts with `b`, as `b"..."` does
    assert Redactor().redact_text(text) == text


def test_a_lower_case_bearer_token_keeps_its_label():
    text = "authorization: bearer 4f9a1c2e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39"
    assert Redactor().redact_text(text) == "authorization: bearer [REDACTED:bearer]"


def test_password_pair_is_redacted_with_pairs():
    assert Redactor().redact_text("login failed: password=hunter2", pairs=True) == "login failed: password=[REDACTED]"


def test_quoted_colon_pair_is_redacted_with_pairs():
    text = Redactor().redact_text("""{'db_password': 'hunter2', 'user': 'bob'}""", pairs=True)
    assert "hunter2" not in text and "bob" in text


def test_token_count_pair_is_kept_with_pairs():
    assert Redactor().redact_text("max_tokens=100 total_tokens: 7", pairs=True) == "max_tokens=100 total_tokens: 7"


def test_configured_key_is_redacted_as_a_pair():
    assert Redactor(keys=["pin"]).redact_text("pin=1234", pairs=True) == "pin=[REDACTED]"


def test_redact_with_pairs_reaches_strings_in_structures():
    assert Redactor().redact({"message": "token=abc"}, pairs=True) == {"message": "token=[REDACTED]"}


# ---------------------------------------------------------------- argv


def test_redact_argv_hides_the_value_after_a_sensitive_flag():
    assert Redactor().redact_argv(["app.py", "--api-key", "hunter2", "-v"]) == [
        "app.py", "--api-key", REDACTED, "-v"]


def test_redact_argv_hides_the_value_of_a_sensitive_flag_with_equals():
    assert Redactor().redact_argv(["--password=hunter2"]) == [f"--password={REDACTED}"]


def test_redact_argv_keeps_ordinary_flags_and_values():
    assert Redactor().redact_argv(["--max-tokens", "100", "--model=gpt-4o"]) == [
        "--max-tokens", "100", "--model=gpt-4o"]


def test_redact_argv_redacts_a_key_in_a_positional_argument():
    key = openai_key(random.Random(2))
    assert Redactor().redact_argv([key]) == ["[REDACTED:openai_project_key]"]


# ---------------------------------------------------------------- the fast test


def typical_event_line() -> bytes:
    event = envelope("20261122-070322-3f9a1c", "llm_call_end", "llm", "planner", "000000000000002a",
                     "0000000000000001", "completed")
    event.update(duration_ms=1234.567, model="gpt-4o-mini-2024-07-18", thread="MainThread", task="Task-1",
                 inputs={"messages": [{"role": "user", "content": "What is the weather in Paris today?"}]},
                 outputs={"return": {"text": "Sunny, 21 degrees.", "finish_reason": "stop"}},
                 usage={"input_tokens": 12, "output_tokens": 5, "total_tokens": 17}, cost_usd=0.00012)
    return dumps(event)


def test_line_without_secrets_may_not_hold_one():
    assert not Redactor().line_may_hold_secret(typical_event_line())


@pytest.mark.parametrize("label", sorted(SECRET_MAKERS))
def test_line_with_a_secret_may_hold_one(label):
    secret = SECRET_MAKERS[label](random.Random(label))
    assert Redactor().line_may_hold_secret(dumps({"inputs": {"prompt": f"use {secret}"}}))


def test_line_matching_a_configured_pattern_may_hold_a_secret():
    redactor = Redactor(patterns=[r"acct-\d{6}"])
    assert redactor.line_may_hold_secret(dumps({"x": "acct-123456"}))


def test_line_with_a_sensitive_key_may_hold_a_secret():
    assert Redactor().line_may_hold_secret(dumps({"inputs": {"headers": {"X-API-Key": "short"}}}))


def test_line_with_a_configured_sensitive_key_may_hold_a_secret():
    assert Redactor(keys=["pin"]).line_may_hold_secret(dumps({"inputs": {"card_pin": "1234"}}))


def test_line_with_a_token_count_key_may_not_hold_a_secret():
    assert not Redactor().line_may_hold_secret(dumps({"usage": {"max_tokens": 5, "tokenizer": "bpe"}}))


def random_key(rng: random.Random) -> str:
    """A key built around a sensitive name or a near miss, in any case and separator style."""
    name = rng.choice([*DEFAULT_KEYS, "max_tokens", "tokenizer", "keyword", "author", "passage"])
    sep = rng.choice(["_", "-", ""])
    word = name.replace("_", sep)
    word = rng.choice([word, word.upper(), word.title(), word[:1] + word[1:].upper()])
    prefix = rng.choice(["", "x" + sep, "openai" + sep, "db" + sep, "My"])
    suffix = rng.choice(["", "", "s", sep + "id", "Value"])
    return prefix + word + suffix


def test_line_may_hold_secret_whenever_a_key_is_sensitive():
    rng = random.Random(7)
    redactor = Redactor()
    sensitive = 0
    for _ in range(2000):
        key = random_key(rng)
        if redactor.is_sensitive_key(key):
            sensitive += 1
            assert redactor.line_may_hold_secret(dumps({"inputs": {"nested": [{key: "v"}]}})), key
    assert sensitive > 200


def random_case(rng: random.Random) -> str:
    """Text, identifiers and numbers, sometimes with a secret (or a near miss) somewhere inside."""
    parts: list[str] = []
    for _ in range(rng.randint(1, 6)):
        kind = rng.random()
        if kind < 0.25:
            parts.append(SECRET_MAKERS[rng.choice(sorted(SECRET_MAKERS))](rng))
        elif kind < 0.35:  # near misses: prefixes with runs around the 17-character threshold
            prefix = rng.choice(["sk-", "sk-ant-", "Bearer ", "eyJ", "AKIA", ""])
            parts.append(prefix + random_text(rng, ALNUM + "-_./+=~", rng.randint(10, 24)))
        elif kind < 0.6:
            parts.append(random_text(rng, string.ascii_lowercase + " ", rng.randint(1, 40)))
        elif kind < 0.8:
            parts.append(random_text(rng, string.printable + "éü€", rng.randint(1, 30)))
        else:
            parts.append(f"{rng.getrandbits(64):016x}")
    return rng.choice(["", " ", "\n", "\t", '"', "\\"]).join(parts)


def test_line_may_hold_secret_whenever_a_builtin_pattern_would_redact():
    rng = random.Random(20261122)
    redactor = Redactor()
    changed = 0
    for _ in range(3000):
        text = random_case(rng)
        if redactor.redact_text(text) != text:
            changed += 1
            assert redactor.line_may_hold_secret(dumps({"x": text})), text
    assert changed > 500  # the generator does produce secrets, so the property is exercised


def test_pem_block_with_a_short_body_is_redacted_and_flagged():
    text = "-----BEGIN PRIVATE KEY-----\nMIIB+AgEA/ABCDEF\n-----END PRIVATE KEY-----"
    redactor = Redactor()
    assert redactor.redact_text(text) == "[REDACTED:private_key]"
    assert redactor.line_may_hold_secret(dumps({"x": text}))


def test_pem_block_with_a_real_body_is_redacted_and_flagged():
    text = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
    redactor = Redactor()
    assert redactor.redact_text(text) == "[REDACTED:private_key]"
    assert redactor.line_may_hold_secret(dumps({"x": text}))


@pytest.mark.parametrize("pattern, value", [(r"^ACME-\d{4}$", "ACME-1234"), (r'pin "\d+"', 'pin "1234"')])
def test_line_may_hold_secret_whenever_a_configured_pattern_matches(pattern, value):
    redactor = Redactor(patterns=[pattern])
    assert redactor.redact_text(value) != value
    assert redactor.line_may_hold_secret(dumps({"x": value}))


# ---------------------------------------------------------------- values remembered


def test_a_value_hidden_by_key_is_hidden_wherever_it_appears_later():
    redactor = Redactor()
    redactor.redact({"password": "Tr0ub4dor&3"})
    assert redactor.redact_text("logged in with Tr0ub4dor&3 today") == "logged in with [REDACTED:seen] today"


def test_a_value_hidden_by_key_is_hidden_earlier_in_the_same_event():
    event = {"event_type": "tool_call_start", "inputs": {"prompt": "use hunter22 please", "password": "hunter22"}}
    assert Redactor().redact_event(event)["inputs"] == {"prompt": "use [REDACTED:seen] please", "password": REDACTED}


def test_a_remembered_value_makes_the_line_need_redaction():
    redactor = Redactor()
    line = dumps({"inputs": {"prompt": 'say "hunter22" now'}})
    assert not redactor.line_may_hold_secret(line)
    redactor.redact({"password": 'say "hunter22'})
    redactor.redact({"password": "hunter22"})
    assert redactor.line_may_hold_secret(line) and redactor.may_hold_secret(line)


def test_a_short_value_is_not_remembered():
    redactor = Redactor()
    redactor.redact({"token": "abc"})
    assert redactor.learned == () and redactor.redact_text("abc abc") == "abc abc"


def test_sensitive_environment_variables_are_remembered_and_others_are_not():
    redactor = Redactor(environ={"MISTRAL_API_KEY": "q9XkQ2mZ7rT4vB8nL1pW3sD6fG0hJ5aK", "HOME": "/home/someone",
                                 "GITHUB_TOKEN": "short", "PATH": "/usr/bin"})
    assert redactor.learned == ("q9XkQ2mZ7rT4vB8nL1pW3sD6fG0hJ5aK",)
    assert redactor.redact_text("key q9XkQ2mZ7rT4vB8nL1pW3sD6fG0hJ5aK") == "key [REDACTED:seen]"


def test_a_value_given_to_a_sensitive_flag_is_remembered():
    redactor = Redactor()
    redactor.redact_argv(["app.py", "--token", "argvSecret-42", "--password=pw-Secret-9"])
    assert set(redactor.learned) == {"argvSecret-42", "pw-Secret-9"}


@pytest.mark.parametrize("value", ["@Xy9secretvalue", "=Xy9secretvalue", ":Xy9secretvalue"])
def test_a_remembered_value_starting_with_a_separator_or_an_at_sign_is_hidden_elsewhere(value):
    redactor = Redactor()
    redactor.redact({"password": value})
    assert redactor.redact_text(f"the value {value} was echoed") == "the value [REDACTED:seen] was echoed"


@pytest.mark.parametrize("text", ["sk-learn-2024-release-notes-v2", "sk-abcdefghijklmnopqrstuvwxyz",
                                  "a task-based plan", "chatcmpl-9x8Y7z6W5v4U3t2S1r0QpAbCdEf"])
def test_words_and_ids_after_sk_are_not_keys(text):
    assert Redactor().redact_text(text) == text


@pytest.mark.parametrize("value", ["testing", "Password", "production"])
def test_a_plain_word_under_a_sensitive_key_is_hidden_there_but_not_remembered(value):
    redactor = Redactor()
    assert redactor.redact({"password": value}) == {"password": REDACTED}
    assert redactor.learned == () and redactor.redact_text(f"a {value} run") == f"a {value} run"


@pytest.mark.parametrize("value", ["hunter22", "Tr0ub4dor", "correcthorsebattery", "pass phrase"])
def test_a_credential_like_value_is_remembered(value):
    redactor = Redactor()
    redactor.redact({"password": value})
    assert redactor.learned == (value,)


def test_keys_are_written_as_they_came_whatever_keys_came_before() -> None:
    """Keys are remembered as written from dict to dict; `1`, `True` and `1.0` are one key of a dict, so a key that
    is not a text is never taken from what was remembered."""
    redactor = Redactor()
    assert list(redactor.redact({1: "a", "ok": "b"})) == [1, "ok"]
    assert [type(key) for key in redactor.redact({True: "a"})] == [bool]
    assert [type(key) for key in redactor.redact({1.0: "a"})] == [float]
    token = "sk-proj-" + "Zq7Lm2Xv9Rt4Np8Kw3Ys6Hb1Jd5Fg0Ac" + "-Q1w2E3r4"
    assert list(redactor.redact({f"key {token}": 1})) == ["key [REDACTED:openai_project_key]"]


def test_a_marker_colon_is_no_pair_and_the_pair_before_it_stays_hidden() -> None:
    """`Authorization: Bearer <token>` is hidden once by the token's detector; the `:` inside its marker names
    nothing, and a pair after it is still read."""
    text = "retry with Authorization: Bearer ac3a5b263fdf57cd2c0064975c3747465cc36c27 then password=Hunter2x9"
    out = Redactor().redact_text(text, pairs=True)
    assert "ac3a5b263fdf57cd2c0064975c3747465cc36c27" not in out and "Hunter2x9" not in out
    assert "Bearer [REDACTED:bearer]" in out and "password=[REDACTED]" in out
