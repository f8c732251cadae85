"""What `check --forbid-secrets` looks for, and what it cannot see: one text for its help and its results.

A passing secret check is read as "no secret in this trace"; it means "none of these kinds", and a user
must be able to see which kinds, wherever the check is read (its help, the JSON's `details`, the message
of a failure). Here in the vocabulary, apart from `checks/secrets.py` (which loads the tracer's redactor),
so that `check --help` and every check can say it without loading anything.
"""

from __future__ import annotations

LOOKS_FOR = (
    "Looked for: what the tracer's redaction hides (52 kinds of credential by shape: OpenAI, Anthropic, AWS, "
    "Google, GitHub, GitLab, Slack, Stripe, Hugging Face, JWTs, private keys...; values under sensitive keys: "
    "api_key, password, secret, token, authorization, cookie... and redact_keys; password=... pairs; URL "
    "passwords; redact_patterns), random-looking tokens (24 to 256 letters, digits and +/_- with upper and "
    "lower case and digits, not provider ids, hashes or images), and values under keys named like secrets "
    "(password_hash, api_key_value, pwd, passcode, auth; a *_key holding a random-looking value)",
)
CANNOT_SEE = (
    "Cannot see: secrets of hex digits alone or UUIDs (told from hashes and ids by nothing), other tokens "
    "shorter than 24 characters, passwords in prose (my password is sunshine), a secret cut in pieces or "
    "spelt out, values only the traced process's environment gave away, lines that are not JSON (warned about)",
)
SCOPE = LOOKS_FOR + CANNOT_SEE
