"""Redaction: secrets are replaced before an event reaches disk.

Two rules, both on by default:
- by key: the value under a key that ends with a sensitive name (`api_key`, `authorization`, `password`,
  `token`, ...) in any case and spelt with `_`, `-` or nothing between words is replaced whole: so
  `OPENAI_API_KEY`, `X-API-Key`, `apiKey`, `accessToken` and `Set-Cookie` match, `max_tokens` does not;
- by pattern: OpenAI and Anthropic keys, AWS access keys, bearer credentials, JWTs and private key blocks
  found in any string are replaced, and so is the value of `password=...`-style pairs in error text.

Before any of that, one scan of the serialized line (`scan.py`) decides whether the event needs it at
all, so most events never pay for a walk: every built-in value pattern needs a run of at least 17
letters and digits (every real credential of those kinds has one; span ids have 16 and run ids are
broken by dashes), and a sensitive key is followed by `":` in JSON. The scan looks for the same
spellings as the key rule, so the two cannot disagree. Configured patterns can match anything, so with
any configured, every event is walked.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

from .scan import MIN_RUN, has_run, make_scanner

REDACTED = "[REDACTED]"

DEFAULT_KEYS = (
    "api_key", "apikey", "authorization", "password", "passwd", "secret", "token", "cookie",
    "private_key", "access_key", "secret_key", "signing_key", "api_keys", "credential", "credentials",
)

_TOKEN_RUN = MIN_RUN
_RUN = rf"(?=[\w.~+/=-]*[A-Za-z0-9]{{{_TOKEN_RUN}}})"

# (label, pattern, literals one of which every match contains: a cheap `in` test before the regex)
VALUE_PATTERNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("private_key", rf"-----BEGIN[A-Z ]*PRIVATE KEY-----(?=(?:(?!-----END)[\s\S])*?[A-Za-z0-9]{{{_TOKEN_RUN}}})"
                    r"[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY-----|\Z)", ("PRIVATE KEY-----",)),
    ("anthropic_key", rf"\bsk-ant-{_RUN}[\w-]+", ("sk-ant-",)),
    ("openai_key", rf"\bsk-{_RUN}[\w-]+", ("sk-",)),
    ("aws_access_key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", ("AKIA", "ASIA", "ABIA", "ACCA")),
    ("bearer", rf"\b[Bb]earer\s+{_RUN}[\w.~+/=-]+", ("earer",)),
    ("jwt", rf"\beyJ{_RUN}[\w-]+\.[\w-]+\.[\w-]*", ("eyJ",)),
)



def normalize_key(key: str) -> str:
    """A configured key name in canonical form: `X-Session-Id` -> `x_session_id`."""
    return key.strip().lower().replace("-", "_")


def key_spellings(names: Iterable[str]) -> tuple[str, ...]:
    """`api_key` -> `api_key`, `api-key`, `apikey`: how code and HTTP headers write the name."""
    spellings = {variant for name in names for variant in (name, name.replace("_", "-"), name.replace("_", ""))}
    return tuple(sorted(spellings, key=len, reverse=True))


class Redactor:
    """Replaces secrets in events. Build one per run; it caches its verdicts on keys."""

    def __init__(self, keys: Iterable[str] = (), patterns: Iterable[str] = ()):
        self._names = tuple(dict.fromkeys([*DEFAULT_KEYS, *(normalize_key(k) for k in keys)]))
        self._key_verdicts: dict[str, bool] = {}
        self._user_patterns = tuple(re.compile(p) for p in patterns)
        self._builtin_patterns = tuple((f"[REDACTED:{label}]", re.compile(p), marks) for label, p, marks in VALUE_PATTERNS)
        self._user_value_patterns = tuple(("[REDACTED:pattern]", rx) for rx in self._user_patterns)
        self._spellings = key_spellings(self._names)
        # argv: flags such as --password= are found by redact_argv in the walk
        self._scan = make_scanner(MIN_RUN, tuple(s.encode() for s in (*self._spellings, "argv")))
        names = "|".join(sorted({n.replace("_", "[_-]?") for n in self._names}, key=len, reverse=True))
        self._pair = re.compile(rf"(?i)\b((?:\w*[_-])?(?:{names}))(['\"]?\s*[:=]\s*['\"]?)([^\s'\",;}}&]+)")

    def is_sensitive_key(self, key: object) -> bool:
        """True when the value under `key` is a secret by name (see the module's docstring)."""
        verdict = self._key_verdicts.get(key)  # type: ignore[arg-type]
        if verdict is None:
            verdict = isinstance(key, str) and key.lower().endswith(self._spellings)
            if len(self._key_verdicts) < 4096:
                self._key_verdicts[key] = verdict  # type: ignore[index]
        return verdict

    def line_scanner(self) -> Callable[[bytes], bool]:
        """`line_may_hold_secret` as one call, for the hot path: the scanner itself when it decides alone."""
        return self.line_may_hold_secret if self._user_patterns else self._scan

    def line_may_hold_secret(self, line: bytes) -> bool:
        """A cheap, conservative test on a serialized event: False means nothing in it needs redaction."""
        # Configured patterns may be anchored or span characters JSON escapes: only the walk is exact.
        return bool(self._user_patterns) or self._scan(line)

    def redact_text(self, text: str, *, pairs: bool = False) -> str:
        """Replace every secret-looking token in `text`; with `pairs`, also `password=...` values."""
        # The built-in patterns all need a run and one of their literals: test those before any regex.
        if len(text) >= MIN_RUN and has_run(text.encode("utf-8", "replace"), MIN_RUN):
            for marker, rx, literals in self._builtin_patterns:
                for literal in literals:
                    if literal in text:
                        text = rx.sub(marker, text)
                        break
        for marker, rx in self._user_value_patterns:
            text = rx.sub(marker, text)
        if pairs:
            text = self._pair.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
        return text

    def redact(self, value: Any, *, pairs: bool = False) -> Any:
        """A copy of a JSON-shaped `value` with secrets replaced, by key and by pattern."""
        kind = type(value)
        if kind is str:
            # Strings shorter than a run cannot match a built-in pattern: skip the call for most.
            if pairs or self._user_value_patterns or len(value) >= MIN_RUN:
                return self.redact_text(value, pairs=pairs)
            return value
        if kind is dict:
            out = {}
            for key, item in value.items():
                redact_key = type(key) is str and (len(key) >= MIN_RUN or bool(self._user_value_patterns))
                new_key = self.redact_text(key) if redact_key else key
                if item is not None and self.is_sensitive_key(key):
                    out[new_key] = REDACTED
                elif key == "argv" and type(item) is list and all(type(a) is str for a in item):
                    out[new_key] = self.redact_argv(item)
                else:
                    out[new_key] = self.redact(item, pairs=pairs)
            return out
        if kind is list or kind is tuple:
            return [self.redact(item, pairs=pairs) for item in value]
        return value

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

