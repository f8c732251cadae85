"""Leaks the tracer's redaction lets through, at every place an event carries text: `check --forbid-secrets`
flags each one (it flagged none of them when it asked the redactor alone), and what it says it cannot see,
it does not see.

Each leak is drawn from a generator seeded with its kind, so a failure names the one case. Every case is
first shown to the redactor, which must leave it as it is: these are the leaks, not what redaction hides.
"""

from __future__ import annotations

import base64
import random
import string

import orjson
import pytest

from namel3ss_debug.checks.secrets import SecretFinder
from namel3ss_debug.redaction.redact import Redactor

B62 = string.ascii_letters + string.digits
URLSAFE = B62 + "-_"


def mixed(rng: random.Random, alphabet: str, n: int) -> str:
    """`n` characters of `alphabet` with an upper case letter, a lower case one and a digit among them."""
    while True:
        text = "".join(rng.choice(alphabet) for _ in range(n))
        if any(c.isupper() for c in text) and any(c.islower() for c in text) and any(c.isdigit() for c in text):
            return text


KINDS = {  # kind -> the leaked text, from its own random draw
    "unprefixed key, 32": lambda rng: mixed(rng, B62, 32),
    "unprefixed key, 40": lambda rng: mixed(rng, B62, 40),
    "unprefixed key, 64 url-safe": lambda rng: mixed(rng, URLSAFE, 64),
    "unknown prefix lin_api_": lambda rng: "lin_api_" + mixed(rng, B62, 40),
    "unknown prefix tvly-": lambda rng: "tvly-" + mixed(rng, B62, 32),
    "unknown prefix ntn_": lambda rng: "ntn_" + mixed(rng, B62, 46),
    "prefix glued to a word": lambda rng: "mykey" + "sk-proj-" + mixed(rng, B62, 40),
    "base64 of user:password": lambda rng: base64.b64encode(f"ada:{mixed(rng, B62, 20)}".encode()).decode(),
}
PLACES = {  # place -> an event holding `text` there
    "prompt": lambda text: {"inputs": {"prompt": f"why does {text} fail?"}},
    "answer": lambda text: {"outputs": {"text": f"Use the key {text} in the header."}},
    "error message": lambda text: {"error": {"type": "AuthError", "message": f"401 for {text}"}},
    "span name": lambda text: {"name": f"call with {text}"},
    "nested attrs": lambda text: {"attrs": {"request": {"meta": [{"value": text}]}}},
    "list item": lambda text: {"outputs": {"lines": ["ok", f"token {text}"]}},
}
NAMES = {  # a value under a key named like a secret, which the redactor's key rule does not cover
    "password_hash": "$2b$12$Kq9dW2zXyTrE6vN8mLp3Oe",
    "api_key_value": "hunter2-but-longer",
    "secretValue": "s3cr3t-v4lue!",
    "pwd": "Tr0ub4dor&3",
    "passcode": "8841-Zeta-22",
    "jwt_claims_sig": "aB3-dE6_fG9hI2",
    "client_secret_b64": "c2VjcmV0LXZhbHVl",
    "OPENAI_KEY": "Zt7Rw1Yc9Vb3Nd6Hf5",
}


def cases() -> list[tuple[str, dict]]:
    found = [(f"{kind} in {place}", PLACES[place](make(random.Random(f"{kind}/{place}"))))
             for kind, make in KINDS.items() for place in PLACES]
    found += [(f"{key} under its name", {"inputs": {"form": {key: value}}}) for key, value in NAMES.items()]
    return found


CASES = cases()


def test_there_are_fifty_six_leaks_and_the_redactor_leaves_every_one():
    assert len(CASES) == 56
    redactor = Redactor()
    assert [name for name, event in CASES if redactor.redact_event(event) != event] == []


@pytest.mark.parametrize("event", [event for _, event in CASES], ids=[name for name, _ in CASES])
def test_the_check_flags_the_leak_and_its_line_test_lets_it_through(event):
    finder = SecretFinder()
    assert finder.find(event) is not None
    assert finder.line_scanner()(orjson.dumps({"v": 1, "run_id": "r", "seq": 0, **event}))


CANNOT = {  # what the check says it cannot see: each stays unflagged, so the documentation stays true
    "hex digits alone": {"inputs": {"prompt": "key " + "9f2c4e7a1b3d5f8e0a2c4e6b8d0f1a3c"}},
    "a UUID": {"inputs": {"prompt": "Heroku key 0f8fad5b-d9cb-469f-a165-70867728950e"}},
    "a short token": {"outputs": {"text": "code Xk2Pq8Lm4Zt7Rw1Y"}},
    "a password in prose": {"inputs": {"prompt": "my password is sunshine, what now?"}},
    "a key cut in two": {"outputs": {"parts": ["sk-proj-Ab3dEf6h", "Ij9kLm2nOp5qRs8t"]}},
    "a key spelt with spaces": {"outputs": {"text": "s k - p r o j - A b 3 d E f 6 h I j 9 k L m 2 n"}},
}


@pytest.mark.parametrize("event", CANNOT.values(), ids=CANNOT.keys())
def test_what_the_check_says_it_cannot_see_it_does_not_see(event):
    assert SecretFinder().find(event) is None
