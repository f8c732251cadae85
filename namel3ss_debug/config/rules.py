"""The rule of each configuration key: what a good value is, how text from the environment is read, and
the one-line error for a bad one. Stdlib only, like the settings (`config/__init__.py`), which use it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeGuard

from namel3ss_debug.config.index_url import masked, url_problem
from namel3ss_debug.config.patterns import PATTERN_CHARS_MAX, PATTERNS_MAX, pattern_problem, too_many
from namel3ss_debug.model.bucket_url import looks_like_url, parse_bucket_url
from namel3ss_debug.model.errors import ConfigError
from namel3ss_debug.model.events import COMPONENTS, EVENT_TYPES
from namel3ss_debug.model.limits import COUNT_MAX, DURATION_MAX_MS


class _Invalid(Exception):
    """A value broke its key's rule; `detail` says which part, when that is not obvious."""

    def __init__(self, detail: str | None = None):
        super().__init__(detail)
        self.detail = detail


class _InvalidItem(_Invalid):
    """An item of a list broke the rule of its items: the message names it as `key[index]`."""

    def __init__(self, index: int, detail: str):
        super().__init__(detail)
        self.index = index


@dataclass(frozen=True)
class _Spec:
    kind: str  # bool | int | float | str | url (a str that may be empty) | upload_url | list | prices
    bound: str = ""  # e.g. ">= 1", appended to the kind's noun
    check: Callable[[Any], bool] | None = None
    noun: str = ""  # for lists: what each item is
    item: Callable[[str], str | None] | None = None  # for lists: returns a problem or None
    most: int = 0  # for lists: how many items it may hold (0: no cap)
    too_many: Callable[[int], str] | None = None  # for lists with `most`: why that many items are refused


def _check_component(name: str) -> str | None:
    return None if name in COMPONENTS else _not_one_of(name, COMPONENTS, "a component")


HTTP_CAPTURE = ("all", "llm", "off")  # what `capture_http` records: every request, LLM APIs only, none
EXPORTERS = ("jsonl", "otlp")  # where `exporters` sends a run's events: the trace file, an OTLP receiver


def _check_exporter(name: str) -> str | None:
    return None if name in EXPORTERS else _not_one_of(name, EXPORTERS, "an exporter")


def _has_jsonl(names: tuple[str, ...]) -> bool:
    # Every command reads the trace file, and a backend that is down must lose nothing: it is always written.
    return "jsonl" in names


def _check_event_type(name: str) -> str | None:
    if name in EVENT_TYPES or (name.startswith("custom_") and len(name) > len("custom_")):
        return None
    return _not_one_of(name, EVENT_TYPES, "an event type")


def _check_pattern(pattern: str) -> str | None:
    return pattern_problem(pattern)  # run by RE2, in linear time: what it cannot run is refused here


def _check_key_name(name: str) -> str | None:
    # Keys are compared in ASCII (as the redaction pre-scan reads bytes): a name needs an ASCII letter or digit.
    if any(c.isascii() and c.isalnum() for c in name):
        return None
    return f"{json.dumps(name)} has no ASCII letter or digit" if name.strip() else "an empty key name"


def _check_tag(tag: str) -> str | None:
    if not tag.strip():
        return "an empty tag"
    return f"a tag of {len(tag)} characters (at most {TAG_MAX})" if len(tag) > TAG_MAX else None


def _not_one_of(name: str, known: tuple[str, ...], what: str) -> str:
    import difflib  # noqa: PLC0415 - only a mistake needs it

    close = difflib.get_close_matches(name, known, n=1)
    guess = f'did you mean "{close[0]}"?' if close else f"known: {', '.join(known)}"
    return f"{json.dumps(name)} is not {what} ({guess})"


# Upper bounds, far past any real use, that keep what the tracer does with each value in range: a wait longer
# than `threading.TIMEOUT_MAX` raises, a retention past 10^9 days does not fit a `timedelta`.
BUFFER_MAX = 1_000_000  # events held before a write
FLUSH_MAX_S = 86_400
FILE_MAX_MB = 1_048_576
FILES_MAX = 1_000_000
RETENTION_MAX_DAYS = 36_500  # a hundred years
PAYLOAD_MAX = 1 << 30  # 1 GiB
PRICE_MAX = 1_000_000.0  # USD per million tokens
TIMES_MAX = 1_000_000  # how many times a diagnosis rule waits to see a pattern before it says so
TAG_MAX = 200  # characters in one of a run's tags: a label, not a document
UPLOAD_WAIT_MAX_S = 3600.0  # the most a run's end may be told to wait for its upload: an hour

SPECS: dict[str, _Spec] = {
    "enabled": _Spec("bool"),
    # A URL here would be a local folder named `s3:`: the bucket is trace_upload_url's, the runs written here first.
    "trace_output_dir": _Spec("str", "naming a local directory (runs go to a bucket by trace_upload_url)",
                              lambda v: not looks_like_url(v)),
    "trace_upload_url": _Spec("upload_url"),
    "trace_upload_keep_local": _Spec("bool"),
    "trace_upload_timeout_seconds": _Spec("float", f"> 0 and <= {UPLOAD_WAIT_MAX_S:.0f} (an hour)",
                                          lambda v: 0 < v <= UPLOAD_WAIT_MAX_S),
    "default_components": _Spec("list", noun="component names", item=_check_component),
    "default_event_types": _Spec("list", noun='event types or "custom_*" names', item=_check_event_type),
    "min_duration_ms": _Spec("float", f"from 0 to {DURATION_MAX_MS:.0f} (8760h)", lambda v: 0 <= v <= DURATION_MAX_MS),
    "sample_rate": _Spec("float", "> 0 and <= 1", lambda v: 0 < v <= 1),
    "buffer_size": _Spec("int", f"from 1 to {BUFFER_MAX}", lambda v: 1 <= v <= BUFFER_MAX),
    "flush_interval_seconds": _Spec("float", f"> 0 and <= {FLUSH_MAX_S} (a day)", lambda v: 0 < v <= FLUSH_MAX_S),
    "max_trace_file_size_mb": _Spec("float", f"> 0 and <= {FILE_MAX_MB} (1 TiB)", lambda v: 0 < v <= FILE_MAX_MB),
    "max_events_per_file": _Spec("int", f"from 0 to {COUNT_MAX} (0 = no limit)", lambda v: 0 <= v <= COUNT_MAX),
    "max_files_per_run": _Spec("int", f"from 0 to {FILES_MAX} (0 = keep all)", lambda v: 0 <= v <= FILES_MAX),
    "trace_retention_days": _Spec("float", f"from 0 to {RETENTION_MAX_DAYS} (0 = keep forever)",
                                  lambda v: 0 <= v <= RETENTION_MAX_DAYS),
    "max_payload_size": _Spec("int", f"from 256 to {PAYLOAD_MAX} (bytes)", lambda v: 256 <= v <= PAYLOAD_MAX),
    "capture_inputs": _Spec("bool"),
    "capture_outputs": _Spec("bool"),
    "capture_memory": _Spec("bool"),
    "capture_stack_traces": _Spec("bool"),
    "redact": _Spec("bool"),
    "redact_keys": _Spec("list", noun="key names", item=_check_key_name),
    "redact_patterns": _Spec("list", noun=f"regular expressions (at most {PATTERNS_MAX}, each at most "
                                          f"{PATTERN_CHARS_MAX:,} characters)",
                             item=_check_pattern, most=PATTERNS_MAX, too_many=too_many),
    "capture_http": _Spec("str", '("all", "llm" or "off")', lambda v: v in HTTP_CAPTURE),
    "price_overrides": _Spec("prices"),
    "exporters": _Spec("list", noun='exporters ("jsonl", always, and "otlp")', check=_has_jsonl,
                       item=_check_exporter),
    "diagnose_tool_failures": _Spec("int", f"from 2 to {TIMES_MAX}", lambda v: 2 <= v <= TIMES_MAX),
    "diagnose_missing_tool_asks": _Spec("int", f"from 2 to {TIMES_MAX}", lambda v: 2 <= v <= TIMES_MAX),
    "diagnose_loop_repeats": _Spec("int", f"from 2 to {TIMES_MAX}", lambda v: 2 <= v <= TIMES_MAX),
    "diagnose_handoff_cycles": _Spec("int", f"from 1 to {TIMES_MAX}", lambda v: 1 <= v <= TIMES_MAX),
    "diagnose_context_share": _Spec("float", "> 0 and <= 1", lambda v: 0 < v <= 1),
    "diagnose_growth_turns": _Spec("int", f"from 2 to {TIMES_MAX}", lambda v: 2 <= v <= TIMES_MAX),
    "diagnose_backoff_ms": _Spec("float", f"from 0 to {DURATION_MAX_MS:.0f} (8760h)",
                                 lambda v: 0 <= v <= DURATION_MAX_MS),
    "diagnose_rate_limit_burst": _Spec("int", f"from 2 to {TIMES_MAX}", lambda v: 2 <= v <= TIMES_MAX),
    "diagnose_burst_window_ms": _Spec("float", f"> 0 and <= {DURATION_MAX_MS:.0f} (8760h)",
                                      lambda v: 0 < v <= DURATION_MAX_MS),
    "diagnose_min_saving_ms": _Spec("float", f"from 0 to {DURATION_MAX_MS:.0f} (8760h)",
                                    lambda v: 0 <= v <= DURATION_MAX_MS),
    "diagnose_dominant_share": _Spec("float", "> 0 and <= 1", lambda v: 0 < v <= 1),
    "diagnose_slow_tool_share": _Spec("float", "> 0 and <= 1", lambda v: 0 < v <= 1),
    "diagnose_latency_floor_ms": _Spec("float", f"from 0 to {DURATION_MAX_MS:.0f} (8760h)",
                                       lambda v: 0 <= v <= DURATION_MAX_MS),
    "tags": _Spec("list", noun=f"tags (non-empty text of at most {TAG_MAX} characters)", item=_check_tag),
    "run_index_url": _Spec("url", check=lambda v: not v or url_problem(v) is None),
    "run_index_timeout_seconds": _Spec("float", f"> 0 and <= {UPLOAD_WAIT_MAX_S:.0f} (an hour)",
                                       lambda v: 0 < v <= UPLOAD_WAIT_MAX_S),
}

_BOOL_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
_PRICES_NOUN = ('an object {"model": {"input": USD per 1M tokens, "output": USD per 1M tokens}} with numbers '
                f"from 0 to {PRICE_MAX:.0f}")


def _expected(spec: _Spec, from_env: bool) -> str:
    """How an error message describes a good value for `spec`."""
    if spec.kind == "bool":
        return "one of 1, 0, true, false, yes, no, on, off" if from_env else "true or false"
    if spec.kind == "list":
        form = "comma-separated or a JSON array" if from_env else "a JSON array"
        return f"a list of {spec.noun} ({form})"
    nouns = {"int": "an integer", "float": "a number", "str": "a non-empty string", "prices": _PRICES_NOUN,
             "url": 'a postgresql://USER@HOST:PORT/DATABASE URL, or "" (the index in SQLite beside the traces)',
             "upload_url": 'an s3://BUCKET, gs://BUCKET or az://CONTAINER URL (with /PREFIX or not), or "" for none'}
    return f"{nouns[spec.kind]} {spec.bound}".strip()


def parse_value(key: str, raw: object, *, from_env: bool, where: str) -> object:
    """Validate and convert one value of `key`, or raise `ConfigError` naming key, value, rule and `where`.

    `from_env=True` parses text the way environment variables are written (`on`, `256`, `llm,tool`);
    otherwise JSON types are required (a bool is not an int; an int is fine for a float).

    >>> parse_value("buffer_size", "512", from_env=True, where="NAMEL3SS_DEBUG_BUFFER_SIZE")
    512
    """
    spec = SPECS.get(key)
    if spec is None:
        raise _unknown_key_error(key, raw, where)
    try:
        value = _from_text(spec, raw) if from_env and isinstance(raw, str) else raw
        return _convert(spec, value)
    except _InvalidItem as bad:
        raise ConfigError(f"{key}[{bad.index}]: {bad.detail}", key=key, value=raw, expected=_expected(spec, from_env),
                          where=where) from None
    except _Invalid as bad:
        shown = masked(raw) if key == "run_index_url" and isinstance(raw, str) else raw  # never print a password
        raise _bad_value(key, shown, _expected(spec, from_env), where, bad.detail) from None


def usable_items(key: str, raw: object, *, from_env: bool) -> tuple[tuple[str, ...], int] | None:
    """For a list whose items have a rule: the items that keep it, and how many were left out (a lenient load
    keeps a user's good `redact_patterns` when one is bad). None when the value is no list of strings, or what
    is left breaks the list's own rule (`exporters` without "jsonl")."""
    spec = SPECS.get(key)
    if spec is None or spec.kind != "list" or spec.item is None:
        return None
    try:
        items = _to_list(_from_text(spec, raw) if from_env and isinstance(raw, str) else raw)
    except _Invalid:
        return None
    check = spec.item
    kept = tuple(item for item in (items[:spec.most] if spec.most else items) if check(item) is None)
    if spec.check is not None and not spec.check(kept):
        return None
    return kept, len(items) - len(kept)


def _bad_value(key: str, raw: object, expected: str, where: str, detail: str | None) -> ConfigError:
    message = f"{key} = {_show(raw)}: expected {expected}"
    if detail:
        message += f": {detail}"
    return ConfigError(message, key=key, value=raw, expected=expected, where=where)


def _unknown_key_error(key: str, raw: object, where: str) -> ConfigError:
    return ConfigError(
        f"{unknown_key(key, tuple(SPECS))}",
        key=key,
        value=raw,
        expected=f"one of {', '.join(SPECS)}",
        where=where,
    )


def plain(value: object) -> object:
    """Settings values as JSON data: tuples become lists, mappings dicts."""
    if isinstance(value, tuple):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def _show(value: object, limit: int = 80) -> str:
    """A value as one short line of JSON, for messages."""
    try:
        text = json.dumps(plain(value), ensure_ascii=False, default=str)
    except ValueError:  # an int past Python's 4,300 digits (from code: configure(buffer_size=10**5000))
        return "a number of more than 4300 digits"
    except RecursionError:  # a list nested past Python's recursion limit
        return "a value nested too deep to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _from_text(spec: _Spec, text: str) -> object:
    """Environment text -> a JSON-typed value, which `_convert` then checks like a file value."""
    stripped = text.strip()
    if spec.kind == "bool":
        return _BOOL_WORDS.get(stripped.lower(), text)
    if spec.kind in ("int", "float"):
        return _number_from_text(int if spec.kind == "int" else float, stripped)
    if spec.kind == "list":
        return _json_from_text(stripped) if stripped.startswith("[") else _split_list(stripped)
    if spec.kind == "prices":
        return _json_from_text(stripped)
    return text


def _number_from_text(kind: type, text: str) -> object:
    try:
        return kind(text)
    except ValueError:
        raise _Invalid() from None


def _json_from_text(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Invalid(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise _Invalid("nested too deep (about 1,000 levels)") from None
    except ValueError:
        raise _Invalid("a number of more than 4300 digits") from None


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _convert(spec: _Spec, value: object) -> object:
    converted = _CONVERTERS[spec.kind](value)
    if spec.check is not None and not spec.check(converted):
        raise _Invalid()
    if spec.most and len(converted) > spec.most:  # before the items' checks: each may cost a compilation
        raise _Invalid(spec.too_many(len(converted)) if spec.too_many else None)
    if spec.item is not None:
        _check_items(spec.item, converted)
    return converted


def _check_items(check: Callable[[str], str | None], items: tuple[str, ...]) -> None:
    for index, item in enumerate(items):
        problem = check(item)
        if problem:
            raise _InvalidItem(index, problem)


def _to_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid()
    return value


def _to_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid()
    return value


def _is_number(value: object) -> TypeGuard[int | float]:
    """A finite int or float; JSON `true` is not a number here, nor an int too large for a float (1e309)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _to_float(value: object) -> float:
    if not _is_number(value):
        raise _Invalid()
    return float(value)


def _to_str(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid()
    return value


def _to_text(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid()
    return value.strip()


def _to_upload_url(value: object) -> str:
    """"" (no upload) or a URL `parse_bucket_url` reads, kept as written (without the spaces around it)."""
    if not isinstance(value, str):
        raise _Invalid()
    text = value.strip()
    if text:
        try:
            parse_bucket_url(text)
        except ValueError as problem:
            raise _Invalid(str(problem)) from None
    return text


def _to_list(value: object) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise _Invalid()
    return tuple(value)


def _to_prices(value: object) -> dict[str, dict[str, float]]:
    if not isinstance(value, Mapping):
        raise _Invalid()
    return {_price_model(model): _price_pair(model, pair) for model, pair in value.items()}


def _price_model(model: object) -> str:
    if not isinstance(model, str) or not model.strip():
        raise _Invalid(f"model name {_show(model)} must be a non-empty string")
    return model


def _price_pair(model: str, pair: object) -> dict[str, float]:
    if not isinstance(pair, Mapping) or set(pair) != {"input", "output"}:
        raise _Invalid(f'"{model}" needs exactly "input" and "output"')
    return {side: _price(model, side, pair[side]) for side in ("input", "output")}


def _price(model: str, side: str, number: object) -> float:
    if not _is_number(number) or not 0 <= number <= PRICE_MAX:
        raise _Invalid(f'"{model}".{side} = {_show(number)} is not a number from 0 to {PRICE_MAX:.0f}')
    return float(number)


_CONVERTERS: dict[str, Callable[[object], Any]] = {
    "url": _to_text,
    "bool": _to_bool,
    "int": _to_int,
    "float": _to_float,
    "str": _to_str,
    "list": _to_list,
    "prices": _to_prices,
    "upload_url": _to_upload_url,
}


def unknown_key(name: str, known: tuple[str, ...]) -> str:
    """`unknown key "x" (did you mean "y"?)`, or the list of known names when none is close."""
    import difflib  # noqa: PLC0415 - only a mistake needs it

    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f'unknown key "{name}" (did you mean "{close[0]}"?)'
    return f'unknown key "{name}" (known keys: {", ".join(known)})'
