"""What `forbid_secrets` flags beyond the tracer's redaction: random-looking tokens, names like secrets.

Redaction hides only what it is sure of, since a wrong redaction loses data for good; a check may raise
a false alarm, which costs a look. So besides asking the tracer's redactor, the check has two rules of its
own for the leaks redaction lets through, calibrated on tests/support/normalcorpus.py (22,200 values of ordinary
LLM traffic: provider ids, hashes, UUIDs, images, URLs, code, prose; none flagged) and on random keys:

- a random-looking token: a run of 24 to 256 base64 characters (letters, digits, `+/_-`) holding upper
  case, lower case and digits, not hex digits alone, with at least min(3.6 + n/80, 4.5) bits of Shannon
  entropy a character (random letters and digits: about 4.25 at 24 characters, 4.8 at 40; identifiers and
  words far less). 97% of random 24-character keys pass, all of 32 and more. A run that starts as the ids
  LLM APIs hand back (`chatcmpl-`, `msg_`, `call_`...), a hash (`sha512-`) or an encoded image is not
  one; a path or a slug (`/`-separated words, many `-`) is looked at a part at a time. A known prefix
  glued to a word (`keysk-proj-...`), which redaction passes, is such a token.
- a name like a secret: a string under a key that names a secret anywhere in it, not only at its end
  (`password_hash`, `api_key_value`, `secretValue`), or names one redaction does not know (`pwd`,
  `passcode`, `auth`, `jwt`), unless its last word says it describes one (`password_policy`,
  `auth_type`); or under a key ending in `key` (`openai_key`, `OPENAI_KEY`) when the value is a
  random-looking token of 16 characters or more.
A random-looking value directly under a key that names it an id or a digest (`request_id`, `x-amz-cf-id`,
`etag`, `sha256_digest`) is taken for one.

A line is decoded only when a cheap test of its bytes says one of them may hold (`may_hold_leak`).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Iterator, Optional

from ..redaction.pairs import credential_like
from ..redaction.patterns import MARK
from ..redaction.names import normalize_key
from ..redaction.scan import make_scan

MIN_TOKEN = 24
MIN_KEY_TOKEN = 16  # under a key ending in `key`, the name says as much as 8 more characters would
MAX_TOKEN = 256  # longer: encoded data (a file, an image), not a key
_TOKEN = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-"
_MARKED = bytes(0x61 if byte in _TOKEN else 0x20 for byte in range(256))  # token bytes -> `a`, others -> ` `
# In a JSON line a backslash belongs to the token too: a writer may escape its `/` (`\/`), and an escape's
# letter (`\n`) then stays with the token it precedes, as LINE_SLACK allows for.
_MARKED_LINE = _MARKED[:0x5C] + b"a" + _MARKED[0x5D:]
_HEX = frozenset("0123456789abcdefABCDEF")
_SEPARATORS = "/_-"
LINE_SLACK = 0.15  # bits of entropy a JSON escape (`\n`, `\/`) may take from a token in a line
# Ids LLM APIs and other services hand back, hashes and encoded images: long random runs, not secrets.
ID_PREFIXES = (
    "chatcmpl-", "cmpl-", "msg_", "call_", "toolu_", "srvtoolu_", "resp_", "req_", "run_", "thread_", "asst_",
    "file-", "file_", "batch_", "org-", "proj_", "gen-", "fc_", "rs_", "vs_", "step_", "cus_", "pi_", "ch_", "evt_",
    "price_", "sha1-", "sha256-", "sha384-", "sha512-", "iVBORw0KGgo", "/9j/", "UklGR", "R0lGOD", "JVBERi0",
)
# Words that name a secret as a part of a key, and pairs of parts that do.
SECRET_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "passcode", "secret", "secrets", "apikey",
                          "credential", "credentials", "jwt", "bearer", "cookie", "auth"})
SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"),
                          ("signing", "key"), ("client", "secret"), ("session", "key")})
# A key whose last part is one of these describes a secret, or counts tokens: it does not hold one.
DESCRIBING = frozenset({
    "id", "ids", "name", "names", "type", "types", "kind", "count", "counts", "length", "len", "size", "limit",
    "limits", "max", "min", "url", "uri", "path", "file", "field", "fields", "hint", "policy", "format", "mode",
    "scheme", "enabled", "required", "set", "present", "valid", "label", "header", "env", "var", "source",
    "provider", "expires", "expiry", "expiration", "ttl", "version", "reset", "changed", "updated", "created",
    "at", "manager", "store", "rotation", "prompt", "note", "description", "question", "message", "text",
    "title", "tokens", "usage", "used", "budget", "estimate", "strength", "rules", "location",
})
# A key whose last part is one of these names the value an id or a digest: random by design, not a secret.
ID_KEYS = frozenset({"id", "ids", "etag", "hash", "digest", "checksum", "nonce", "sha", "md5", "fingerprint", "ray"})
# What the line test looks for in a line's bytes: each word of a secret-naming key, as keys spell them.
_NAME_MARKERS = ("password", "passwd", "pwd", "passphrase", "passcode", "secret", "apikey", "api_key", "api-key",
                 "credential", "jwt", "bearer", "cookie", "auth", "_key", "-key", "Key")


def random_tokens(data: bytes, minimum: int = MIN_TOKEN, slack: float = 0.0,
                  marks: bytes = _MARKED) -> Iterator[str]:
    """The random-looking tokens in `data` (text as UTF-8), as the module's docstring says: the runs of
    token bytes are found by marking those bytes (`bytes.translate`) and looking for `minimum` marks in a
    row, so text without such a run costs two passes in C."""
    marked = data.translate(marks)
    run = b"a" * minimum
    start = marked.find(run)
    while start >= 0:
        end = marked.find(b" ", start)
        end = len(marked) if end < 0 else end
        found = data[start:end]
        if found != found.lower():  # no capital letter, no token in it (`claude-3-5-sonnet-20241022`, paths)
            for token in _parts(found.decode("ascii")):
                if len(token) >= minimum and looks_random(token, slack):
                    yield token
        start = marked.find(run, end)


def _parts(run: str) -> Iterator[str]:
    """A run as one token, or for a path or a slug, its parts."""
    if len(run) > MAX_TOKEN or run.startswith(ID_PREFIXES):
        return
    words = "/" in run and any(len(part) >= 3 and part.isalpha() and part.islower() for part in run.split("/"))
    separators = sum(run.count(character) for character in _SEPARATORS)
    if run.startswith("/") or run.endswith("/") or words or separators > 2 + len(run) // 16:
        for part in run.replace("/", "-").replace("_", "-").split("-"):
            yield part
    else:
        yield run


def looks_random(token: str, slack: float = 0.0) -> bool:
    """Upper case, lower case and digits, not hex alone, and entropy enough for its length (`slack` bits
    less: the line test's allowance for a JSON escape's letter joined to a token)."""
    if not (any(c.isupper() for c in token) and any(c.islower() for c in token) and any(c.isdigit() for c in token)):
        return False
    if _HEX.issuperset(token):
        return False
    return entropy(token) >= min(3.6 + len(token) / 80, 4.5) - slack


def entropy(text: str) -> float:
    """Shannon entropy, in bits a character."""
    size = len(text)
    return -sum(count / size * math.log2(count / size) for count in Counter(text).values())


def secret_named(key: str, value: Any) -> bool:
    """Whether a value under `key` is a secret by the key's name (the module's second rule): a string, or a
    list of strings (`auth=("user", "password")` recorded), not a redaction marker."""
    parts = normalize_key(key).split("_")
    if not parts or parts[-1] in DESCRIBING:
        return False
    texts = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] \
        if isinstance(value, list) else []
    texts = [text for text in texts if not text.startswith(MARK)]
    if any(part in SECRET_WORDS for part in parts) or any(pair in SECRET_PAIRS for pair in zip(parts, parts[1:])):
        return any(len(text) >= 6 and credential_like(text, 12) and not text.isdigit() for text in texts)
    if parts[-1] in ("key", "keys"):
        return any(next(random_tokens(text.encode("utf-8", "surrogatepass"), MIN_KEY_TOKEN), None) for text in texts)
    return False


def first_random_token(text: str) -> Optional[str]:
    return next(random_tokens(text.encode("utf-8", "surrogatepass")), None)


def names_an_id(key: str) -> bool:
    """`request_id`, `x-amz-cf-id`, `ETag`, `sha256_digest`: a random-looking value under such a key is an id."""
    return normalize_key(key).rpartition("_")[2] in ID_KEYS


class LeakLineTest:
    """`may_hold_leak(line)`: False when neither rule can find anything in the line's events. The names in
    one pass of the tracer's compiled scanner (anywhere, any of three cases); the tokens by marking token
    bytes (`bytes.translate`) and looking for a run long enough, then judging each run found."""

    def __init__(self) -> None:
        spellings = {form for word in _NAME_MARKERS for form in (word, word.upper(), word[:1].upper() + word[1:])}
        self._names = make_scan((), tuple((form.encode(), 0, 0) for form in sorted(spellings))).may_hold_secret

    def __call__(self, line: bytes) -> bool:
        if self._names(line):
            return True
        data = line if isinstance(line, bytes) else bytes(line)
        return next(random_tokens(data, slack=LINE_SLACK, marks=_MARKED_LINE), None) is not None
