"""Whether a key names a secret: one judgement for the tracer's redaction, `redact`, `scrub` and `check
--forbid-secrets` (each asks `Redactor.is_sensitive_key`, which asks `names_a_secret`).

A key names a secret when it ends with a sensitive name (`api_key`, `password`, `token`, ...) spelt with `_`,
`-` or nothing between its words, in any case (`OPENAI_API_KEY`, `X-Auth-Token`, `accessToken`, `tokenSecret`),
unless the name that matched is the word `token` alone and the key's words say it measures tokens: a count or a
latency is a figure, not a credential. `max_tokens`, `input_tokens`, `tokens_per_second` and `token_count` end
with no sensitive name at all; `time_to_first_token` (OpenTelemetry's `gen_ai.server.time_to_first_token`) and
`time_per_output_token` end with `token`, and their words make them figures (`is_token_figure`).
"""

from __future__ import annotations

import functools
import re
import string

# ASCII only, as the C pre-scan lowers bytes: the two must agree on every key.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
TOKEN = "token"  # the one sensitive name a measure of tokens ends with
TOKEN_KINDS = frozenset({"input", "output", "prompt", "completion", "generated", "reasoning", "cached"})


def normalize_key(key: str) -> str:
    """A key name in canonical form: `sessionId`, `Session-Id`, `SESSION_ID` -> `session_id`."""
    return re.sub(r"[^a-z0-9]+", "_", _CAMEL.sub("_", key.strip()).translate(_ASCII_LOWER)).strip("_")


def key_words(key: str) -> list[str]:
    """The key's words, split on `.`, `_`, `-`, spaces and camelCase, lower-cased.

    >>> key_words("gen_ai.server.timeToFirstToken")
    ['gen', 'ai', 'server', 'time', 'to', 'first', 'token']
    """
    return normalize_key(key).split("_")


def is_token_figure(key: str) -> bool:
    """Whether a key ending with the word `token` measures tokens rather than holds one: a time to the first
    token (`time_to_first_token`), or a rate per token (`cost_per_token`, `time_per_output_token`).

    >>> [is_token_figure(k) for k in ("gen_ai.server.time_to_first_token", "refresh_token", "per_user_token")]
    [True, False, False]
    """
    words = key_words(key)
    if words[-1] != TOKEN:
        return False
    before = words[:-1]
    return before[-2:] == ["to", "first"] or before[-1:] == ["per"] or \
        (before[-2:-1] == ["per"] and before[-1] in TOKEN_KINDS)


def names_a_secret(key: str, spellings: tuple[str, ...]) -> bool:
    """Whether the value under `key` is a secret by its name (the module's rule); `spellings` are the sensitive
    names as keys write them, lower case (`redact.key_spellings`). A name configured in full (`redact_keys`) is
    never a figure: only a match by the word `token` alone gives way to `is_token_figure`.

    >>> spellings = ("api_key", "token", "secret")
    >>> [names_a_secret(k, spellings) for k in ("HF_TOKEN", "tokenSecret", "time_to_first_token", "max_tokens")]
    [True, True, False, False]
    """
    lowered = key.translate(_ASCII_LOWER)
    if not lowered.endswith(spellings):
        return False
    return lowered.endswith(_besides_token(spellings)) or not is_token_figure(key)


@functools.lru_cache(maxsize=64)
def _besides_token(spellings: tuple[str, ...]) -> tuple[str, ...]:
    """The sensitive spellings but the word `token` alone (each configuration's, made once)."""
    return tuple(spelling for spelling in spellings if spelling != TOKEN)
