"""Settings and `load_settings`: the one place configuration is resolved.

Stdlib only: traced applications import this module, so it must never pull in click, rich,
prompt_toolkit or psutil. One vocabulary serves the JSON file and the environment: the key
`buffer_size` is the variable `NAMEL3SS_DEBUG_BUFFER_SIZE`.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Mapping

from namel3ss_debug.model.errors import ConfigError
from namel3ss_debug.model.events import COMPONENTS, EVENT_TYPES

ENV_PREFIX = "NAMEL3SS_DEBUG_"
WORKSPACE_FILE = Path(".namel3ss/debug.json")

# Keys a workspace file may hold that are not settings: accepted without a warning.
# "checks" is reserved for thresholds read by a later `check` feature.
_RESERVED_FILE_KEYS = frozenset({"$schema", "checks"})


@dataclass(frozen=True)
class Settings:
    """The effective configuration of the tracer and the CLI. Build it with `load_settings`."""

    enabled: bool = False
    trace_output_dir: str = "debug/traces"
    default_components: tuple[str, ...] = ()  # empty = all
    default_event_types: tuple[str, ...] = ()  # empty = all
    min_duration_ms: float = 0.0
    sample_rate: float = 1.0
    buffer_size: int = 256
    flush_interval_seconds: float = 1.0
    max_trace_file_size_mb: float = 100.0
    max_events_per_file: int = 0  # 0 = no limit
    max_files_per_run: int = 0  # 0 = keep all segments
    trace_retention_days: float = 30.0  # 0 = keep forever
    max_payload_size: int = 65536  # bytes
    capture_inputs: bool = True
    capture_outputs: bool = True
    capture_memory: bool = False
    capture_stack_traces: bool = True
    redact: bool = True
    redact_keys: tuple[str, ...] = ()
    redact_patterns: tuple[str, ...] = ()
    # {"model": {"input": USD per 1M tokens, "output": USD per 1M tokens}}
    price_overrides: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-able data (tuples become lists), in `KEYS` order."""
        return {key: _plain(getattr(self, key)) for key in KEYS}


KEYS: tuple[str, ...] = tuple(f.name for f in fields(Settings))


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class ResolvedSettings:
    """Settings plus where each value came from, for `config show`, `run_start` and error messages."""

    settings: Settings
    sources: Mapping[str, str]  # key -> "default" | file path | "env NAMEL3SS_DEBUG_X" | override label
    warnings: tuple[str, ...]
    workspace_file: Path | None
    base_dir: Path

    def output_dir(self) -> Path:
        """`trace_output_dir` as a path: absolute values are kept, relative ones joined to `base_dir`.

        `base_dir` is the workspace root (the parent of `.namel3ss/`) when the value came from the
        file, so traces land in the same place from any subdirectory; otherwise the working directory.
        """
        path = Path(self.settings.trace_output_dir).expanduser()
        return path if path.is_absolute() else self.base_dir / path


# ---------------------------------------------------------------- value rules


class _Invalid(Exception):
    """A value broke its key's rule; `detail` says which part, when that is not obvious."""

    def __init__(self, detail: str | None = None):
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class _Spec:
    kind: str  # bool | int | float | str | list | prices
    bound: str = ""  # e.g. ">= 1", appended to the kind's noun
    check: Callable[[Any], bool] | None = None
    noun: str = ""  # for lists: what each item is
    item: Callable[[str], str | None] | None = None  # for lists: returns a problem or None


def _check_component(name: str) -> str | None:
    return None if name in COMPONENTS else _not_one_of(name, COMPONENTS, "a component")


def _check_event_type(name: str) -> str | None:
    if name in EVENT_TYPES or (name.startswith("custom_") and len(name) > len("custom_")):
        return None
    return _not_one_of(name, EVENT_TYPES, "an event type")


def _check_pattern(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"{json.dumps(pattern)} does not compile ({exc})"
    return None


def _check_key_name(name: str) -> str | None:
    return None if name.strip() else "an empty key name"


def _not_one_of(name: str, known: tuple[str, ...], what: str) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    guess = f'did you mean "{close[0]}"?' if close else f"known: {', '.join(known)}"
    return f"{json.dumps(name)} is not {what} ({guess})"


_SPECS: dict[str, _Spec] = {
    "enabled": _Spec("bool"),
    "trace_output_dir": _Spec("str"),
    "default_components": _Spec("list", noun="component names", item=_check_component),
    "default_event_types": _Spec("list", noun='event types or "custom_*" names', item=_check_event_type),
    "min_duration_ms": _Spec("float", ">= 0", lambda v: v >= 0),
    "sample_rate": _Spec("float", "> 0 and <= 1", lambda v: 0 < v <= 1),
    "buffer_size": _Spec("int", ">= 1", lambda v: v >= 1),
    "flush_interval_seconds": _Spec("float", "> 0", lambda v: v > 0),
    "max_trace_file_size_mb": _Spec("float", "> 0", lambda v: v > 0),
    "max_events_per_file": _Spec("int", ">= 0 (0 = no limit)", lambda v: v >= 0),
    "max_files_per_run": _Spec("int", ">= 0 (0 = keep all)", lambda v: v >= 0),
    "trace_retention_days": _Spec("float", ">= 0 (0 = keep forever)", lambda v: v >= 0),
    "max_payload_size": _Spec("int", ">= 256 (bytes)", lambda v: v >= 256),
    "capture_inputs": _Spec("bool"),
    "capture_outputs": _Spec("bool"),
    "capture_memory": _Spec("bool"),
    "capture_stack_traces": _Spec("bool"),
    "redact": _Spec("bool"),
    "redact_keys": _Spec("list", noun="key names", item=_check_key_name),
    "redact_patterns": _Spec("list", noun="regular expressions", item=_check_pattern),
    "price_overrides": _Spec("prices"),
}

_BOOL_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
_PRICES_NOUN = 'an object {"model": {"input": USD per 1M tokens, "output": USD per 1M tokens}} with numbers >= 0'


def _expected(spec: _Spec, from_env: bool) -> str:
    """How an error message describes a good value for `spec`."""
    if spec.kind == "bool":
        return "one of 1, 0, true, false, yes, no, on, off" if from_env else "true or false"
    if spec.kind == "list":
        form = "comma-separated or a JSON array" if from_env else "a JSON array"
        return f"a list of {spec.noun} ({form})"
    nouns = {"int": "an integer", "float": "a number", "str": "a non-empty string", "prices": _PRICES_NOUN}
    return f"{nouns[spec.kind]} {spec.bound}".strip()


def parse_value(key: str, raw: object, *, from_env: bool, where: str) -> object:
    """Validate and convert one value of `key`, or raise `ConfigError` naming key, value, rule and `where`.

    `from_env=True` parses text the way environment variables are written (`on`, `256`, `llm,tool`);
    otherwise JSON types are required (a bool is not an int; an int is fine for a float).

    >>> parse_value("buffer_size", "512", from_env=True, where="NAMEL3SS_DEBUG_BUFFER_SIZE")
    512
    """
    spec = _SPECS.get(key)
    if spec is None:
        raise _unknown_key_error(key, raw, where)
    try:
        value = _from_text(spec, raw) if from_env and isinstance(raw, str) else raw
        return _convert(spec, value)
    except _Invalid as bad:
        raise _bad_value(key, raw, _expected(spec, from_env), where, bad.detail) from None


def _bad_value(key: str, raw: object, expected: str, where: str, detail: str | None) -> ConfigError:
    message = f"{key} = {_show(raw)}: expected {expected}"
    if detail:
        message += f": {detail}"
    return ConfigError(message, key=key, value=raw, expected=expected, where=where)


def _unknown_key_error(key: str, raw: object, where: str) -> ConfigError:
    return ConfigError(
        f"{_unknown(key, KEYS)}",
        key=key,
        value=raw,
        expected=f"one of {', '.join(KEYS)}",
        where=where,
    )


def _show(value: object, limit: int = 80) -> str:
    """A value as one short line of JSON, for messages."""
    text = json.dumps(_plain(value), ensure_ascii=False, default=str)
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


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _convert(spec: _Spec, value: object) -> object:
    converted = _CONVERTERS[spec.kind](value)
    if spec.check is not None and not spec.check(converted):
        raise _Invalid()
    if spec.item is not None:
        _check_items(spec.item, converted)
    return converted


def _check_items(check: Callable[[str], str | None], items: tuple[str, ...]) -> None:
    for item in items:
        problem = check(item)
        if problem:
            raise _Invalid(problem)


def _to_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Invalid()
    return value


def _to_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid()
    return value


def _is_number(value: object) -> bool:
    """A finite int or float; JSON `true` is not a number here."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _to_float(value: object) -> float:
    if not _is_number(value):
        raise _Invalid()
    return float(value)


def _to_str(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid()
    return value


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
    if not _is_number(number) or number < 0:
        raise _Invalid(f'"{model}".{side} = {_show(number)} is not a number >= 0')
    return float(number)


_CONVERTERS: dict[str, Callable[[object], Any]] = {
    "bool": _to_bool,
    "int": _to_int,
    "float": _to_float,
    "str": _to_str,
    "list": _to_list,
    "prices": _to_prices,
}


def _unknown(name: str, known: tuple[str, ...]) -> str:
    """`unknown key "x" (did you mean "y"?)`, or the list of known names when none is close."""
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f'unknown key "{name}" (did you mean "{close[0]}"?)'
    return f'unknown key "{name}" (known keys: {", ".join(known)})'


# ---------------------------------------------------------------- sources


def find_workspace_file(start: Path) -> Path | None:
    """The `.namel3ss/debug.json` in `start` or the nearest parent that has one, else None."""
    start = Path(start).absolute()
    for directory in (start, *start.parents):
        candidate = directory / WORKSPACE_FILE
        if candidate.is_file():
            return candidate
    return None


def load_settings(
    environ: Mapping[str, str],
    cwd: Path,
    config_path: Path | None = None,
    overrides: Mapping[str, object] | None = None,
    override_source: str | Mapping[str, str] = "flag",
) -> ResolvedSettings:
    """Resolve the effective settings and where each value came from.

    Precedence, highest first:

    1. `overrides` (CLI flags, `configure()` keyword arguments); a value of None means "not given".
       Each is reported as coming from `override_source` (one label, or a mapping key -> label
       such as `{"buffer_size": "--buffer-size"}`).
    2. `environ`: `NAMEL3SS_DEBUG_<KEY>` variables (an empty value counts as unset).
    3. The workspace file: `config_path` if given (it must exist; relative to `cwd`), else
       `.namel3ss/debug.json` found from `cwd` upwards.
    4. The defaults of `Settings`.

    `environ` and `cwd` are arguments so that nothing here reads process state.
    Raises `ConfigError` for a bad value or an unreadable file; unknown keys become `warnings`.
    """
    cwd = Path(cwd).absolute()
    warnings: list[str] = []
    path = _choose_file(cwd, config_path)
    file_layer = _read_file(path, _display(path, cwd), warnings) if path else {}
    env_layer = _read_env(environ, warnings)
    override_layer = _read_overrides(overrides or {}, override_source)
    chosen = {**file_layer, **env_layer, **override_layer}
    dir_from_file = _wins(file_layer, chosen, "trace_output_dir")
    return ResolvedSettings(
        settings=Settings(**{key: value for key, (value, _) in chosen.items()}),
        sources={key: chosen[key][1] if key in chosen else "default" for key in KEYS},
        warnings=tuple(warnings),
        workspace_file=path,
        base_dir=_workspace_root(path) if path and dir_from_file else cwd,
    )


_Layer = dict[str, tuple[object, str]]  # key -> (value, source label)


def _wins(layer: _Layer, chosen: _Layer, key: str) -> bool:
    """Whether `layer` supplied the effective value of `key`."""
    return key in layer and chosen[key] is layer[key]


def _choose_file(cwd: Path, config_path: Path | None) -> Path | None:
    if config_path is None:
        return find_workspace_file(cwd)
    path = cwd / Path(config_path).expanduser()
    if not path.is_file():
        problem = "is a directory, not a config file" if path.is_dir() else "config file not found"
        raise ConfigError(problem, where=str(config_path), hint="check the path, or run `namel3ss-debug config init`")
    return path


def _display(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` when it lies below it (`.namel3ss/debug.json`), else absolute."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _workspace_root(path: Path) -> Path:
    return path.parent.parent if path.parent.name == WORKSPACE_FILE.parent.name else path.parent


def _read_file(path: Path, display: str, warnings: list[str]) -> _Layer:
    text = _read_text(path, display)
    data = _parse_json(text, display)
    layer: _Layer = {}
    for key, raw in data.items():
        if key in _RESERVED_FILE_KEYS:
            continue
        if key not in _SPECS:
            warnings.append(f"{display}: {_unknown(key, KEYS)}")
            continue
        layer[key] = (parse_value(key, raw, from_env=False, where=_key_where(text, key, display)), display)
    return layer


def _read_text(path: Path, display: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", where=display) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file: {exc.strerror or exc}", where=display) from None


def _parse_json(text: str, display: str) -> dict[str, object]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"invalid JSON: {exc.msg}",
            where=f"{display}:{exc.lineno}:{exc.colno}",
            hint="JSON allows no comments or trailing commas; strings need double quotes",
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"the top level must be a JSON object, not {type(data).__name__}",
            expected="a JSON object",
            where=display,
            hint='write {"enabled": true, ...} or run `namel3ss-debug config init`',
        )
    return data


def _key_where(text: str, key: str, display: str) -> str:
    """`path:line:col` of the first `"key":` in the raw text (where a bad value is reported)."""
    match = re.search(re.escape(json.dumps(key)) + r"\s*:", text)
    if match is None:
        return display
    line = text.count("\n", 0, match.start()) + 1
    col = match.start() - text.rfind("\n", 0, match.start())
    return f"{display}:{line}:{col}"


def _read_env(environ: Mapping[str, str], warnings: list[str]) -> _Layer:
    layer: _Layer = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or not str(raw).strip():
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key not in _SPECS:
            warnings.append(_unknown_env(name))
            continue
        layer[key] = (parse_value(key, raw, from_env=True, where=name), f"env {name}")
    return layer


def _unknown_env(name: str) -> str:
    known = tuple(ENV_PREFIX + key.upper() for key in KEYS)
    close = difflib.get_close_matches(name.upper(), known, n=1)
    guess = f"did you mean {close[0]}?" if close else "ignored"
    return f"env {name}: unknown variable ({guess})"


def _read_overrides(overrides: Mapping[str, object], source: str | Mapping[str, str]) -> _Layer:
    layer: _Layer = {}
    for key, raw in overrides.items():
        if raw is None:
            continue
        label = source if isinstance(source, str) else source.get(key, "flag")
        layer[key] = (parse_value(key, raw, from_env=False, where=label), label)
    return layer


def starter_config() -> str:
    """The text of a starter `.namel3ss/debug.json`: every key with its default (`enabled` is false)."""
    return json.dumps(Settings().to_dict(), indent=2) + "\n"
