"""Redaction: secrets are replaced before an event reaches disk.

Two rules, both on by default:
- by key: the value under a key that ends with a sensitive name (`api_key`, `authorization`, `password`,
  `token`, ...) in any case and spelt with `_`, `-` or nothing between words is replaced whole: so
  `OPENAI_API_KEY`, `X-API-Key`, `apiKey`, `accessToken` and `Set-Cookie` match, `max_tokens` does not;
- by pattern (`patterns.py`): OpenAI and Anthropic keys, AWS access keys, bearer credentials, JWTs and
  private key blocks found in any string (or in bytes that decode to text) are replaced, and so is the
  value of `password=...`-style pairs in error text and argv.

Before any of that, one scan of the serialized line (`scan.py`) decides whether the event needs it at
all, so most events never pay for a walk: every built-in value pattern needs a run of at least 17
letters and digits (every real credential of those kinds has one; span ids have 16 and run ids are
broken by dashes) and a marker such as `sk-` or `eyJ`, and a sensitive key is followed by `":` in JSON.
The scan looks for the same spellings as the key rule, so the two cannot disagree. Configured patterns can match anything, so with
any configured, every event is walked.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from typing import Any, Callable, Iterable

from .patterns import REDACTED, SCAN_MARKERS, PairPatterns, TokenPatterns
from .scan import MIN_RUN, make_scanner

DEFAULT_KEYS = (
    "api_key", "apikey", "authorization", "password", "passwd", "secret", "token", "cookie",
    "private_key", "access_key", "secret_key", "signing_key", "api_keys", "credential", "credentials",
)

# Fields the tracer itself writes: never redacted (a configured pattern must not break ids or times, and a
# configured key such as `tokens` must not hide usage counts).
OURS = frozenset({"v", "run_id", "seq", "ts", "event_type", "component", "span_id", "parent_id", "status",
                  "duration_ms", "usage", "cost_usd", "truncated", "pid", "memory_mb"})
# Events whose attrs the tracer writes itself: searched by pattern only, not by key (`exit_code`,
# `first_seq`...); their argv and config are redacted when built.
STRUCTURAL = frozenset({"run_start", "run_end", "segment_start"})

# ASCII only, as the C pre-scan lowers bytes: the two must agree on every key.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def normalize_key(key: str) -> str:
    """A configured key name in canonical form: `sessionId`, `Session-Id`, `SESSION_ID` -> `session_id`."""
    return re.sub(r"[^a-z0-9]+", "_", _CAMEL.sub("_", key.strip()).translate(_ASCII_LOWER)).strip("_")


def key_spellings(names: Iterable[str]) -> tuple[str, ...]:
    """`api_key` -> `api_key`, `api-key`, `apikey`: how code and HTTP headers write the name."""
    spellings = {variant for name in names for variant in (name, name.replace("_", "-"), name.replace("_", ""))}
    return tuple(sorted(spellings, key=len, reverse=True))


class Redactor:
    """Replaces secrets in events. Build one per run; it caches its verdicts on keys."""

    def __init__(self, keys: Iterable[str] = (), patterns: Iterable[str] = ()):
        configured = (normalize_key(k) for k in keys)
        self._names = tuple(dict.fromkeys([*DEFAULT_KEYS, *(k for k in configured if k)]))  # "" would match all
        self._key_verdicts: dict[str, bool] = {}
        self._tokens = TokenPatterns(re.compile(p) for p in patterns)
        self._pairs = PairPatterns(self._names)
        self._spellings = key_spellings(self._names)
        # Besides the sensitive keys: `argv` (flags such as --password=) and `$bytes` (base64 text, whose
        # secrets the line cannot show) make the walk run too.
        self._scan = make_scanner(MIN_RUN, tuple(s.encode() for s in (*self._spellings, "argv", "$bytes")),
                                  tuple(m.encode() for m in SCAN_MARKERS))

    def is_sensitive_key(self, key: object) -> bool:
        """True when the value under `key` is a secret by name (see the module's docstring)."""
        verdict = self._key_verdicts.get(key)  # type: ignore[arg-type]
        if verdict is None:
            verdict = isinstance(key, str) and key.translate(_ASCII_LOWER).endswith(self._spellings)
            if len(self._key_verdicts) < 4096:
                self._key_verdicts[key] = verdict  # type: ignore[index]
        return verdict

    def line_scanner(self) -> Callable[[bytes], bool]:
        """`line_may_hold_secret` as one call, for the hot path: the scanner itself when it decides alone."""
        return self.line_may_hold_secret if self._tokens.has_extra else self._scan

    def line_may_hold_secret(self, line: bytes) -> bool:
        """A cheap, conservative test on a serialized event: False means nothing in it needs redaction."""
        # Configured patterns may be anchored or span characters JSON escapes: only the walk is exact.
        return self._tokens.has_extra or self._scan(line)

    def redact_text(self, text: str, *, pairs: bool = False) -> str:
        """Replace every secret-looking token in `text`; with `pairs`, also `password=...` values."""
        text = self._tokens.redact(text)
        return self._pairs.redact(text) if pairs else text

    def redact_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """A copy of a whole event (plain JSON data) with its secrets replaced, as the tracer writes it."""
        redact = self.redact
        keys = event.get("event_type") not in STRUCTURAL
        return {key: value if key in OURS else redact(value, pairs=key == "error", keys=keys)
                for key, value in event.items()}

    def redact(self, value: Any, *, pairs: bool = False, keys: bool = True) -> Any:
        """A copy of a JSON-shaped `value` with secrets replaced, by key (unless `keys` is false) and by pattern."""
        kind = type(value)
        if kind is str:
            # Strings shorter than a run cannot match a built-in pattern: skip the call for most.
            if pairs or self._tokens.has_extra or len(value) >= MIN_RUN:
                return self.redact_text(value, pairs=pairs)
            return value
        if kind is dict:
            return self._redact_bytes(value, pairs) if "$bytes" in value else self._redact_dict(value, pairs, keys)
        if kind is list or kind is tuple:
            return [self.redact(item, pairs=pairs, keys=keys) for item in value]
        return value

    def _redact_dict(self, value: dict[Any, Any], pairs: bool, keys: bool) -> dict[Any, Any]:
        out = {}
        for key, item in value.items():
            new_key = self.redact_text(key) if type(key) is str and (len(key) >= MIN_RUN or self._tokens.has_extra) \
                else key
            if keys and item is not None and self.is_sensitive_key(key):
                out[new_key] = REDACTED
            elif key == "argv" and type(item) is list and all(type(a) is str for a in item):
                out[new_key] = self.redact_argv(item)
            else:
                out[new_key] = self.redact(item, pairs=pairs, keys=keys)
        return out

    def _redact_bytes(self, marker: dict[str, Any], pairs: bool) -> dict[str, Any]:
        """Bytes are written as base64 (`serialize.bytes_marker`): search the text they decode to."""
        try:
            text = base64.b64decode(marker["$bytes"], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, TypeError, ValueError):
            return marker  # binary data: no text to search
        redacted = self.redact_text(text, pairs=pairs)
        if redacted == text:
            return marker
        return {"$bytes": base64.b64encode(redacted.encode()).decode("ascii"), "size": marker.get("size"),
                "redacted": True}

    def redact_argv(self, argv: Iterable[str]) -> list[str]:
        """Hide the values of flags such as `--api-key X` or `--password=X` on a command line."""
        out: list[str] = []
        hide_next = False
        for arg in argv:
            if hide_next:
                out.append(REDACTED)
                hide_next = False
                continue
            flag, eq, _ = arg.partition("=")
            sensitive = arg.startswith("-") and self.is_sensitive_key(flag.lstrip("-"))
            if sensitive and eq:
                out.append(f"{flag}={REDACTED}")
            else:
                out.append(self.redact_text(arg, pairs=True))
                hide_next = sensitive
        return out

