"""forbid_secrets: the tracer's redaction rules decide what looks like a secret."""

from __future__ import annotations

from namel3ss_debug.checks.secrets import SecretFinder

KEY = "sk-" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"


def test_a_token_shaped_string_is_found_by_its_path():
    assert SecretFinder().find({"outputs": {"messages": [{"text": f"key {KEY}"}]}}) == "outputs.messages[0].text"


def test_a_sensitive_key_with_a_value_is_found_but_a_redaction_marker_is_not():
    finder = SecretFinder()
    assert finder.find({"inputs": {"headers": {"Authorization": "abc"}}}) == "inputs.headers.Authorization"
    assert finder.find({"inputs": {"headers": {"Authorization": "[REDACTED]"}}}) is None
    assert finder.find({"inputs": {"text": "[REDACTED:openai_key]"}}) is None


def test_password_pairs_in_error_text_are_found():
    assert SecretFinder().find({"error": {"type": "E", "message": "login password=hunter2 failed"}}) == "error.message"


def test_configured_patterns_and_keys_count():
    finder = SecretFinder(keys=["session_id"], patterns=[r"corp-\d{6}"])
    assert finder.find({"attrs": {"note": "corp-123456"}}) == "attrs.note"
    assert finder.find({"inputs": {"sessionId": "x"}}) == "inputs.sessionId"  # any spelling, as the tracer
    assert SecretFinder().find({"inputs": {"sessionId": "x"}}) is None


def test_envelope_fields_are_not_searched():
    assert SecretFinder().find({"name": KEY, "outputs": "fine"}) is None


def test_a_package_whose_name_looks_like_a_key_is_not_a_secret():
    start = {"event_type": "run_start", "attrs": {"packages": {"tiktoken": "0.14.0"}}}
    assert SecretFinder().find(start) is None
    assert SecretFinder().find({"inputs": {"tiktoken": "0.14.0"}}) == "inputs.tiktoken"


def test_prose_with_a_colon_after_a_sensitive_word_is_not_a_secret_outside_errors():
    finder = SecretFinder()
    assert finder.find({"inputs": {"prompt": "The secret: patience"}}) is None
    assert finder.find({"error": {"type": "E", "message": "The secret: patience"}}) == "error.message"


def test_a_credential_in_a_pair_in_a_prompt_is_found():
    assert SecretFinder().find({"inputs": {"prompt": "connect with password=hunter22"}}) == "inputs.prompt"
