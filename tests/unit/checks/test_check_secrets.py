"""forbid_secrets: the tracer's redaction rules first, then the check's own (random-looking tokens, names
like secrets); each finding says where and by which rule, never the secret."""

from __future__ import annotations

import random
import string
import sys
from pathlib import Path

import pytest

from namel3ss_debug.checks.leaks import LeakLineTest, looks_random, random_tokens
from namel3ss_debug.checks.secrets import SecretFinder
from namel3ss_debug.redaction.redact import Redactor

sys.path.insert(0, str(Path(__file__).parents[2]))
import orjson
from support.normalcorpus import normal_corpus

KEY = "sk-" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"
MISTRAL = "Qm7ZtR2xLp9WcV4nKd8sHf3JgB6yNa1E"  # 32 letters and digits: no form of its own


def test_a_token_shaped_string_is_found_by_its_path_and_its_kind():
    assert SecretFinder().find({"outputs": {"messages": [{"text": f"key {KEY}"}]}}) == \
        "outputs.messages[0].text: openai_key"


def test_a_sensitive_key_with_a_value_is_found_but_a_redaction_marker_is_not():
    finder = SecretFinder()
    assert finder.find({"inputs": {"headers": {"Authorization": "abc"}}}) == \
        "inputs.headers.Authorization: a sensitive key"
    assert finder.find({"inputs": {"headers": {"Authorization": "[REDACTED]"}}}) is None
    assert finder.find({"inputs": {"text": "[REDACTED:openai_key]"}}) is None


def test_password_pairs_in_error_text_are_found():
    assert SecretFinder().find({"error": {"type": "E", "message": "login password=hunter2 failed"}}) == \
        "error.message: a name=value pair"


def test_configured_patterns_and_keys_count():
    finder = SecretFinder(keys=["session_id"], patterns=[r"corp-\d{6}"])
    assert finder.find({"attrs": {"note": "corp-123456"}}) == "attrs.note: redact_patterns"
    assert finder.find({"inputs": {"sessionId": "x"}}) == "inputs.sessionId: a sensitive key"  # any spelling
    assert SecretFinder().find({"inputs": {"sessionId": "x"}}) is None


def test_every_field_the_tracer_redacts_is_searched_and_its_own_are_not():
    assert SecretFinder().find({"name": KEY, "outputs": "fine"}) == "name: openai_key"
    assert SecretFinder().find({"model": f"ft:{MISTRAL}", "outputs": "fine"}) == "model: a random-looking token"
    assert SecretFinder().find({"run_id": KEY, "span_id": MISTRAL, "ts": KEY, "outputs": "fine"}) is None


def test_a_package_whose_name_looks_like_a_key_is_not_a_secret():
    start = {"event_type": "run_start", "attrs": {"packages": {"tiktoken": "0.14.0"}}}
    assert SecretFinder().find(start) is None
    assert SecretFinder().find({"inputs": {"tiktoken": "0.14.0"}}) == "inputs.tiktoken: a sensitive key"


def test_prose_with_a_colon_after_a_sensitive_word_is_not_a_secret_outside_errors():
    finder = SecretFinder()
    assert finder.find({"inputs": {"prompt": "The secret: patience"}}) is None
    assert finder.find({"error": {"type": "E", "message": "The secret: patience"}}) == \
        "error.message: a name=value pair"


def test_a_credential_in_a_pair_in_a_prompt_is_found():
    assert SecretFinder().find({"inputs": {"prompt": "connect with password=hunter22"}}) == \
        "inputs.prompt: a name=value pair"


def test_a_secret_in_a_key_is_found_and_never_printed():
    found = SecretFinder().find({"inputs": {f"use {KEY}": 1}})
    assert found == "inputs.use [REDACTED:openai_key]: a secret in a key"
    found = SecretFinder().find({"inputs": {MISTRAL: 1}})
    assert found == "inputs.[REDACTED:random]: a secret in a key" and MISTRAL not in found


# ---------------------------------------------------------------- what redaction lets through


LEAKS = {  # what the tracer's redaction leaves as it is, and the check still flags
    "an unprefixed key in a prompt": {"inputs": {"prompt": f"my Mistral key is {MISTRAL}, why 401?"}},
    "a Cohere-like key in an answer": {"outputs": {"text": "use co_key Hk3LpQ9xZ2mWv7Rt5NcY8bJd4FgS6aE1uTiO0rKe"}},
    "a prefix redaction does not know": {"outputs": {"text": "LINEAR=lin_api_" + "Xk2Pq8Lm4Zt7Rw1Yc9Vb3Nd6Hf5Gj0Sa"}},
    "a known prefix glued to a word": {"inputs": {"q": "apikeysk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"}},
    "a token in a span's name": {"name": f"fetch with {MISTRAL}"},
    "a secret named in the middle of a key": {"inputs": {"api_key_value": "hunter2-but-longer"}},
    "a password hash": {"outputs": {"password_hash": "$2b$12$Kq9dW2.zXyTrE6vN8mLp3O"}},
    "camelCase naming": {"inputs": {"secretValue": "s3cr3t-v4lue!"}},
    "a name redaction does not know": {"inputs": {"pwd": "Tr0ub4dor&3"}},
    "an auth tuple": {"inputs": {"auth": ["ada", "correct-h0rse"]}},
    "a vendor's key name": {"attrs": {"OPENAI_KEY": "Zt7Rw1Yc9Vb3Nd6Hf5"}},
    "base64 of a credential pair": {"inputs": {"header": "Basic " + "YWRhOmNvcnJlY3QtaG9yc2UtYmF0dGVyeS1zdGFwbGU="}},
}


@pytest.mark.parametrize("event", LEAKS.values(), ids=LEAKS.keys())
def test_a_leak_redaction_lets_through_is_flagged(event):
    redactor = Redactor()
    assert redactor.redact_event(event) == event  # redaction leaves it
    assert SecretFinder().find(event) is not None


@pytest.mark.parametrize("event", LEAKS.values(), ids=LEAKS.keys())
def test_the_line_test_passes_each_leak_to_the_finder(event):

    assert SecretFinder().line_scanner()(orjson.dumps({"v": 1, "run_id": "r", "seq": 3, **event}))


NOT_LEAKS = {  # what the check's rules leave alone
    "a provider id": {"outputs": {"id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"}},
    "a tool call id": {"outputs": {"tool_call_id": "call_Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2"}},
    "a hash": {"outputs": {"text": "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}},
    "a UUID": {"inputs": {"session": "550E8400-E29B-41D4-A716-446655440000"}},
    "a path": {"attrs": {"cwd": "/Users/Ada/Projects2024/agentRunner/src/main/Python3Module"}},
    "a slug": {"outputs": {"url": "how-we-cut-index-size-by-half-in-2024-Q3-results"}},
    "a token count": {"usage_report": {"max_tokens": "4096", "input_token_count": "12"}},
    "a policy about passwords": {"inputs": {"password_policy": "at least 12 characters, 1 digit"}},
    "an auth type": {"inputs": {"auth_type": "Bearer2"}},
    "a cache key": {"inputs": {"cache_key": "conversation:req-0000001"}},
    "an id a service hands back": {"outputs": {"headers": {"x-amz-cf-id": "Zk3vQ9LmP2xTr7WcY5nB8dF4hJ6sA1eG0uKiOoRt==",
                                                           "request_id": "Qm7ZtR2xLp9WcV4nKd8sHf3JgB6yNa1E"}}},
    "camelCase code": {"outputs": {"text": "class ChatCompletionMessageToolCallParam: pass"}},
}


@pytest.mark.parametrize("event", NOT_LEAKS.values(), ids=NOT_LEAKS.keys())
def test_ordinary_values_are_not_flagged(event):
    assert SecretFinder().find(event) is None


def test_no_value_of_the_ordinary_traffic_corpus_is_a_random_looking_token():
    corpus = normal_corpus(seed=1)
    flagged = [value[:80] for values in corpus.values() for value in values
               if next(random_tokens(value.encode("utf-8", "surrogatepass")), None)]
    assert flagged == []


@pytest.mark.parametrize("length, at_least", [(24, 0.95), (32, 0.99), (40, 0.99), (64, 0.99)])
def test_random_keys_of_letters_and_digits_look_random(length, at_least):
    rng = random.Random(f"keys/{length}")
    alphabet = string.ascii_letters + string.digits
    keys = ["".join(rng.choice(alphabet) for _ in range(length)) for _ in range(1000)]
    assert sum(looks_random(key) for key in keys) / len(keys) >= at_least


def test_the_line_test_passes_a_line_without_a_token_or_a_name_over():
    test = LeakLineTest()
    assert not test(b'{"v":1,"run_id":"20261122-100000-abcdef","outputs":{"text":"all fine, 42 rows"}}')
    assert test(b'{"outputs":{"text":"key ' + MISTRAL.encode() + b'"}}')
    assert test(b'{"inputs":{"db_password_2":"x"}}')
