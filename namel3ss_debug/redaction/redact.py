"""Redaction: secrets are replaced before an event reaches disk.

Three rules, all on by default:
- by key: the value under a key that ends with a sensitive name (`api_key`, `authorization`, `password`,
  `token`, ...) in any case and spelt with `_`, `-` or nothing between words is replaced whole: so
  `OPENAI_API_KEY`, `X-API-Key`, `apiKey`, `accessToken` and `Set-Cookie` match, `max_tokens` does not, nor
  does a key whose words make it a measure of tokens (`time_to_first_token`: `names.py`);
- by shape (`detectors.py`, `patterns.py`): credential tokens of some fifty kinds, URL passwords and
  `password=...`-style pairs found in any string (or in bytes that decode to text) are replaced;
- by memory: a value once hidden by key (a `password` argument, an `--api-key` flag), or held by an
  environment variable with a sensitive name (`MISTRAL_API_KEY`), is replaced wherever else it appears.

Before any of that, one scan of the serialized line (`scan.py`) decides whether the event needs it at
all, so most events never pay for a walk: a detector's marker at the start of a word with a token after it
(`sk-` and 20 characters), a sensitive name before `:` or `=`, a `://user:password@`, or a remembered value.
The scan looks for the same spellings as the key rule, so it never passes a key the rule hides (it flags a
measure of tokens too, whose value the walk then keeps). Configured patterns can match anything, so with any
configured, every event is walked.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections import Counter
from typing import Any, Callable, Collection, Iterable, Mapping

import orjson

from .detectors import ALONE_LENGTHS, kinds_named, markers, shaped_alone
from .names import names_a_secret, normalize_key
from .pairs import PairPatterns, credential_like
from .patterns import MARK, REDACTED, SENSITIVE_NAME, TokenPatterns
from .scan import make_scan

DEFAULT_KEYS = (
    "api_key", "apikey", "authorization", "password", "passwd", "secret", "token", "cookie",
    "private_key", "access_key", "secret_key", "signing_key", "api_keys", "credential", "credentials",
    "passphrase", "app_key", "master_key",
)
SEEN = "[REDACTED:seen]"
_SCALARS = (int, float, bool, type(None))  # what a field may hold that no walk changes
MIN_TEXT = 6  # nothing shorter can hold a pair or a remembered value (every detector needs more)
MIN_SEEN = 6  # a value hidden by key is remembered from this length: shorter ones would hide ordinary words
MIN_SEEN_ENV = 8  # the same for environment variables, whose short values are flags (`1`, `true`)
MAX_SEEN = 256
MAX_VERDICTS = 4096  # keys whose verdict is remembered, a configuration (a trace's keys repeat; a hostile one's do not)
SEEN_WORD = 12  # a value of letters alone is remembered from this length

# Fields the tracer itself writes: never redacted (a configured pattern must not break ids or times, and a
# configured key such as `tokens` must not hide usage counts).
OURS = frozenset({"v", "run_id", "seq", "ts", "event_type", "component", "span_id", "parent_id", "status",
                  "duration_ms", "usage", "cost_usd", "truncated", "pid", "memory_mb"})
# Events whose attrs the tracer writes itself: searched by pattern only, not by key (`exit_code`,
# `first_seq`...); their argv and config are redacted when built.
STRUCTURAL = frozenset({"run_start", "run_end", "segment_start"})



def named_alone(values: Collection[Any], names: Iterable[Any] = ()) -> dict[int, str]:
    """Index -> marker of each string of `values` that has, whole, the shape of a kind only its context tells
    (an AWS secret access key, a Datadog key), when another of `values` or one of `names` (its object's keys)
    names that kind (`detectors.kinds_named`): `["AKIA...", "wJalr..."]`, `{"site": "datadoghq.eu", "k": hex}`."""
    shaped = {index: label for index, item in enumerate(values)  # the length first: most strings are not 32 or 40
              if type(item) is str and len(item) in ALONE_LENGTHS and (label := shaped_alone(item)) is not None}
    if not shaped:
        return {}
    named: Counter[str] = Counter()
    own: dict[int, frozenset[str]] = {}
    for index, item in enumerate(values):
        if type(item) is str:
            own[index] = kinds_named(item)
            named.update(own[index])
    named.update(kind for name in names if type(name) is str for kind in kinds_named(name))
    return {index: f"[REDACTED:{label}]" for index, label in shaped.items() if named[label] > (label in own[index])}


def key_spellings(names: Iterable[str]) -> tuple[str, ...]:
    """`api_key` -> `api_key`, `api-key`, `apikey`: how code and HTTP headers write the name."""
    spellings = {variant for name in names for variant in (name, name.replace("_", "-"), name.replace("_", ""))}
    return tuple(sorted(spellings, key=len, reverse=True))


class _Rules:
    """What a redactor's configuration makes, the same for every run: the sensitive names and their spellings, the
    compiled patterns, the pre-scan's suffixes and markers, and the verdicts on keys (a key's verdict depends on
    the names alone). Made once a configuration (`_rules`) and shared by the redactors built with it: a run index
    builds one a run, and building these took most of a small run's redaction."""

    def __init__(self, keys: tuple[str, ...], patterns: tuple[str, ...]):
        configured = (normalize_key(k) for k in keys)
        self.names = tuple(dict.fromkeys([*DEFAULT_KEYS, *(k for k in configured if k)]))  # "" would match all
        self.key_verdicts: dict[object, bool] = {}  # any key a dict may have, at most MAX_VERDICTS
        self.tokens = TokenPatterns(patterns)
        self.spellings = key_spellings(self.names)
        self.pairs = PairPatterns(self.names, self.spellings)
        # Besides the sensitive keys: `argv` (flags such as --password=) and `$bytes` (base64 text, whose
        # secrets the line cannot show) make the walk run too.
        self.suffixes = tuple(s.encode() for s in (*self.spellings, "argv", "$bytes"))
        self.markers = tuple((m.text.encode(), m.boundary, m.min_body) for m in markers())


@functools.lru_cache(maxsize=8)
def _rules(keys: tuple[str, ...], patterns: tuple[str, ...]) -> _Rules:
    return _Rules(keys, patterns)


class Redactor:
    """Replaces secrets in events. Build one per run: it remembers the values it hid by key (`learned`) to hide
    them wherever else they appear in the run; what its configuration makes is shared (`_Rules`)."""

    def __init__(self, keys: Iterable[str] = (), patterns: Iterable[str] = (),
                 environ: Mapping[str, str] | None = None):
        rules = _rules(tuple(keys), tuple(patterns))
        self._names = rules.names
        self._key_verdicts = rules.key_verdicts
        self._key_texts: dict[str, str] = {}  # a key as written (`_key_text`): keys repeat from event to event
        self._tokens = rules.tokens
        self._extra = self._tokens.has_extra
        self._spellings = rules.spellings
        self._pairs = rules.pairs
        self._suffixes = rules.suffixes
        self._markers = rules.markers
        self._learned: dict[str, None] = {}
        self._seen: re.Pattern[str] | None = None  # the learned values, in text
        self._scanner: Any = None
        self._build_scan()
        for name, value in dict(environ or {}).items():
            if len(value) >= MIN_SEEN_ENV and self.is_sensitive_key(name):
                self.learn(value)

    @property
    def learned(self) -> tuple[str, ...]:
        """The values hidden by key so far (and the sensitive environment's), longest first."""
        return tuple(self._learned)

    def learn(self, value: str) -> None:
        """Hide `value` wherever it appears from now on. Not kept: values shorter than MIN_SEEN, and plain words
        (`testing`, `Password`) shorter than SEEN_WORD, which would hide ordinary text."""
        if len(value) < MIN_SEEN or value in self._learned or value.startswith(MARK) or len(self._learned) >= MAX_SEEN \
                or not credential_like(value, SEEN_WORD):
            return
        self._learned[value] = None
        self._key_texts.clear()  # a key may hold the value
        self._learned = dict.fromkeys(sorted(self._learned, key=len, reverse=True))  # longest first: no half hidden
        self._seen = re.compile("|".join(re.escape(v) for v in self._learned))
        self._build_scan()

    def _build_scan(self) -> None:
        """The pre-scan, with the learned values as markers of their own (found anywhere, in the text's own
        bytes and as JSON writes them inside a string); building it takes microseconds."""
        forms = dict.fromkeys(form for value in self._learned
                              for form in (value.encode("utf-8", "surrogatepass"), orjson.dumps(value)[1:-1]))
        markers = self._markers + tuple((form, 0, 0) for form in forms)
        if self._scanner is not None:  # the same object made anew: the methods others hold see the new values
            self._scanner.__init__(self._suffixes, markers)
            return
        self._scanner = make_scan(self._suffixes, markers)
        self._scan, self._find = self._scanner.may_hold_secret, self._scanner.find
        # The pre-scan as one call for the hot path (the C method itself when it decides alone), the same
        # callable for the whole run.
        self.may_hold_secret: Callable[[bytes | memoryview], bool] = \
            self.line_may_hold_secret if self._extra else self._scan

    def is_sensitive_key(self, key: object) -> bool:
        """True when the value under `key` is a secret by name (see the module's docstring)."""
        verdict = self._key_verdicts.get(key)
        if verdict is None:
            verdict = isinstance(key, str) and names_a_secret(key, self._spellings)
            if len(self._key_verdicts) < MAX_VERDICTS:
                self._key_verdicts[key] = verdict
        return verdict

    def line_may_hold_secret(self, line: bytes | memoryview) -> bool:
        """A cheap, conservative test on a serialized event: False means nothing in it needs redaction."""
        # Configured patterns may be anchored or span characters JSON escapes: only the walk is exact.
        return self._extra or self._scan(line)

    def redact_text(self, text: str, *, pairs: bool = False) -> str:
        """Replace every secret in `text`; `pairs` (error messages, argv): every `password=...` value,
        not only those that look like credentials."""
        # The line's pre-scan answers for a single string too: most strings of an event that needs the walk
        # hold nothing, and the scan is far cheaper than the searches; `find` then says which searches to run.
        data = text.encode("utf-8", "surrogatepass")
        found = self._find(data) if self._scan(data) else ()
        if self._seen is not None and any(hit >= len(self._markers) for hit in found):  # a learned value
            text = self._seen.sub(SEEN, text)
        if found or self._extra:
            text = self._tokens.redact(text, found)
        return self._pairs.redact(text, strict=pairs) if SENSITIVE_NAME in found else text

    def redact_event(self, event: dict[str, Any], *, as_searched: bool = False) -> dict[str, Any]:
        """A copy of a whole event with its secrets replaced, as the tracer writes it.

        The event is what orjson writes as it is: plain JSON data, or the tracer's own event, whose fields
        may hold what orjson writes natively (dataclasses, datetimes, subclasses of `str`). A field is
        searched in its own JSON first; one that may hold a secret is walked as that JSON parsed back, so
        what is searched is what gets written, and the others are kept as they are, or with `as_searched`
        (the tracer, whose event holds the app's own lists and dicts, which another thread may change
        meanwhile) as the JSON that was searched (`orjson.Fragment`, which orjson writes as it is).

        A value learned in this event (a `password` key after the prompt that echoes it) is hidden in
        the rest of the event too: the event is walked again.
        """
        known = len(self._learned)
        redacted = self._redact_fields(event, as_searched)
        return self._redact_fields(redacted, as_searched) if len(self._learned) != known else redacted

    def _redact_fields(self, event: dict[str, Any], as_searched: bool) -> dict[str, Any]:
        keys = event.get("event_type") not in STRUCTURAL
        out = event.copy()  # the fields kept as they are (ours, numbers) copied at once, in their order
        for key, value in event.items():
            if key not in OURS and type(value) not in _SCALARS:
                out[key] = self._redact_field(value, key, keys, as_searched)
        return out

    def _redact_field(self, value: Any, key: str, keys: bool, as_searched: bool) -> Any:
        """One field, walked when it may hold something to hide: the line's pre-scan, asked of the field
        alone, so that only the fields that need it are walked (`outputs` but not `inputs`, say)."""
        if type(value) is str:  # redact_text scans it itself; nothing shorter than MIN_TEXT holds a secret
            return self.redact_text(value, pairs=key == "error") if self._extra or len(value) >= MIN_TEXT else value
        try:
            data = orjson.dumps(value)
        except (TypeError, orjson.JSONEncodeError):
            return self._walk(value, key == "error", keys)  # keys that are not strings: walk it
        if self.may_hold_secret(data):
            return self._walk(orjson.loads(data), key == "error", keys)
        return orjson.Fragment(data) if as_searched else value

    def redact(self, value: Any, *, pairs: bool = False, keys: bool = True) -> Any:
        """A copy of a JSON-shaped `value` with secrets replaced, by key (unless `keys` is false) and by pattern."""
        return self._walk(value, pairs, keys)

    def _walk(self, value: Any, pairs: bool, keys: bool) -> Any:
        kind = type(value)
        if kind is str:
            # Strings shorter than MIN_TEXT hold no pair, token or remembered value: skip the call for most.
            if self._extra or len(value) >= MIN_TEXT:
                return self.redact_text(value, pairs=pairs)
            return value
        if kind is dict:
            return self._redact_bytes(value, pairs) if "$bytes" in value else self._redact_dict(value, pairs, keys)
        if kind is list or kind is tuple:
            walk = self._walk
            alone = named_alone(value) if len(value) > 1 else None
            if alone:
                return [alone[index] if index in alone else walk(item, pairs, keys) for index, item in enumerate(value)]
            return [walk(item, pairs, keys) for item in value]
        return value

    def _redact_dict(self, value: dict[Any, Any], pairs: bool, keys: bool) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        walk, texts, verdicts = self._walk, self._key_texts, self._key_verdicts
        shaped = False  # a string that only its neighbours can name: looked at once the walk is done
        for key, item in value.items():
            new_key = texts.get(key)
            if new_key is None:
                new_key = self._key_text(key)
            sensitive_key = verdicts.get(key)
            if sensitive_key is None:
                sensitive_key = self.is_sensitive_key(key)
            if keys and item is not None and sensitive_key:
                if type(item) is str:
                    self.learn(item)
                out[new_key] = item if type(item) is str and item.startswith(MARK) else REDACTED
            elif key == "argv" and type(item) is list and all(type(a) is str for a in item):
                out[new_key] = self.redact_argv(item)
            else:
                shaped = shaped or (type(item) is str and len(item) in ALONE_LENGTHS)
                out[new_key] = walk(item, pairs, keys)
        if shaped and len(value) > 1:
            self._hide_named_alone(value, out)
        return out

    def _hide_named_alone(self, value: dict[Any, Any], out: dict[Any, Any]) -> None:
        """Replace in `out` the values of `value` that its other keys and values name (`named_alone`)."""
        names = list(value)
        for index, marker in named_alone(list(value.values()), names).items():
            key = names[index]
            out[self._key_text(key)] = marker

    def _key_text(self, key: Any) -> Any:
        """A dictionary key as written: a text with its secret-shaped parts replaced; one shorter than MIN_TEXT,
        or not a text, as it is (remembered: the same keys come again)."""
        if type(key) is not str:  # not remembered: `True` and `1` are one key of a dict
            return key
        text = self._key_texts.get(key)
        if text is None:
            text = self.redact_text(key) if len(key) >= MIN_TEXT or self._extra else key
            if len(self._key_texts) < 4096:
                self._key_texts[key] = text
        return text

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
                self.learn(arg)
                out.append(REDACTED)
                hide_next = False
                continue
            flag, eq, value = arg.partition("=")
            sensitive = arg.startswith("-") and self.is_sensitive_key(flag.lstrip("-"))
            if sensitive and eq:
                self.learn(value)
                out.append(f"{flag}={REDACTED}")
            else:
                out.append(self.redact_text(arg, pairs=True))
                hide_next = sensitive
        return out
