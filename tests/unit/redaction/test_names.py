"""A key names a secret by its meaning (`redaction/names.py`): token counts and latencies are figures, the keys
that hold a token stay secrets, for the tracer's redaction, `redact`/`scrub` and `check --forbid-secrets` alike."""

from __future__ import annotations

import pytest

from namel3ss_debug.checks.secrets import SecretFinder
from namel3ss_debug.redaction.names import is_token_figure, key_words
from namel3ss_debug.redaction.redact import REDACTED, Redactor

FIGURES = ["max_tokens", "input_tokens", "output_tokens", "total_tokens", "prompt_tokens", "completion_tokens",
           "cached_tokens", "time_to_first_token", "gen_ai.server.time_to_first_token", "timeToFirstToken",
           "gen_ai.server.time_per_output_token", "cost_per_token", "ttft", "tokens_per_second", "token_count",
           "gen_ai.usage.input_tokens", "llm.token_count.prompt", "llm.token_count.completion", "tokenizer"]
SECRETS = ["token", "access_token", "refresh_token", "id_token", "api_token", "auth_token", "x-auth-token",
           "csrf_token", "session_token", "bearer_token", "github_token", "HF_TOKEN", "tokenSecret", "accessToken",
           "X-Auth-Token", "next_page_token", "first_token", "per_user_token", "api_key", "password"]
OPENAI_KEY = "sk-proj-" + "a1B2c3D4e5F6g7H8i9J0" * 2 + "-kLmNoPqRsTuVwXyZ_12"


@pytest.mark.parametrize("key", FIGURES)
def test_a_key_that_counts_or_times_tokens_is_a_figure(key: str) -> None:
    assert not Redactor().is_sensitive_key(key)


@pytest.mark.parametrize("key", SECRETS)
def test_a_key_that_holds_a_token_stays_a_secret(key: str) -> None:
    assert Redactor().is_sensitive_key(key)


def test_key_words_split_on_dots_underscores_dashes_and_camel_case() -> None:
    assert key_words("gen_ai.server-timeToFirstToken") == ["gen", "ai", "server", "time", "to", "first", "token"]


def test_a_token_figure_ends_with_the_word_token() -> None:
    assert (is_token_figure("time_to_first_token"), is_token_figure("time_to_first_token_ms")) == (True, False)


def test_the_time_to_first_token_of_an_opentelemetry_span_is_kept() -> None:
    attrs = {"gen_ai.server.time_to_first_token": 0.42, "gen_ai.usage.input_tokens": 12, "access_token": "t0k3n!"}
    assert Redactor().redact(attrs) == {"gen_ai.server.time_to_first_token": 0.42, "gen_ai.usage.input_tokens": 12,
                                        "access_token": REDACTED}


def test_a_credential_under_a_figure_key_is_still_caught_by_its_shape() -> None:
    redacted = Redactor().redact({"time_to_first_token": OPENAI_KEY})
    assert OPENAI_KEY not in str(redacted) and "[REDACTED:" in redacted["time_to_first_token"]


def test_a_figure_named_in_a_pair_of_an_error_message_is_kept() -> None:
    said = Redactor().redact_text("slow: time_to_first_token=0.42 over budget, csrf_token=abc123", pairs=True)
    assert said == f"slow: time_to_first_token=0.42 over budget, csrf_token={REDACTED}"


def test_a_figure_key_configured_in_full_is_redacted() -> None:
    assert Redactor(keys=["time_to_first_token"]).is_sensitive_key("gen_ai.server.time_to_first_token")


def test_forbid_secrets_does_not_flag_a_figure_key_and_flags_a_token() -> None:
    finder = SecretFinder()
    figure = {"event_type": "llm_call_end", "attrs": {"gen_ai.server.time_to_first_token": "0.42"}}
    secret = {"event_type": "llm_call_end", "attrs": {"session_token": "0.42"}}
    assert (finder.find(figure), finder.find(secret)) == (None, "attrs.session_token: a sensitive key")


@pytest.mark.parametrize("key, secret", [
    ("OPENAI_API_KEY", True), ("refresh_token", True), ("time_to_first_token", False), ("max_tokens", False),
    ("tokenSecret", True), ("token", True), ("cost_per_token", False), ("colour", False), ("", False),
])
def test_a_key_names_a_secret_as_the_rule_says_with_the_word_token_alone_giving_way_to_figures(key, secret) -> None:
    assert Redactor().is_sensitive_key(key) is secret


@pytest.mark.parametrize("text, hidden", [
    ("Retry with header Authorization: Bearer 0123456789abcdef0123", "0123456789abcdef0123"),
    ("config: paßwort_Ä_api_key=S3cr3tValue99 then", "S3cr3tValue99"),  # a name with letters past ASCII
    ("then clé.api_key = 'AbC123xyz!' again", "AbC123xyz!"),
])
def test_a_pairs_name_is_read_back_past_ascii_and_judged_the_same_each_time(text, hidden) -> None:
    redactor = Redactor()
    first, again = redactor.redact_text(text), redactor.redact_text(text)  # the second from the names remembered
    assert hidden not in first and first == again and "[REDACTED" in first
