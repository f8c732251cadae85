"""Settings and `load_settings`: the one place configuration is resolved.

Stdlib only: traced applications import this module, so it must never pull in click, rich,
prompt_toolkit or psutil. One vocabulary serves the JSON file and the environment: the key
`buffer_size` is the variable `NAMEL3SS_DEBUG_BUFFER_SIZE`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from namel3ss_debug.config.document import KeyPositions, read_json_document
from namel3ss_debug.config.index_url import has_password, masked
from namel3ss_debug.config.rules import SPECS, parse_value, plain, unknown_key, usable_items
from namel3ss_debug.config.trust import TRUST_ENV, distrust, stranger_problem, trust_hint
from namel3ss_debug.model.errors import ConfigError

ENV_PREFIX = "NAMEL3SS_DEBUG_"
WORKSPACE_FILE = Path(".namel3ss/debug.json")

# Keys a workspace file may hold that are not settings: accepted without a warning.
# "checks" holds the rules of `namel3ss-debug check`: only that command reads (and validates) it.
_RESERVED_FILE_KEYS = frozenset({"$schema", "checks"})
# Lists a lenient load keeps the good items of when some are bad (`_left_out_partly`).
_PARTLY_KEPT = frozenset({"redact_keys", "redact_patterns"})


@dataclass(frozen=True)
class Settings:
    """The effective configuration of the tracer and the CLI. Build it with `load_settings`."""

    enabled: bool = False
    trace_output_dir: str = "debug/traces"
    # Where each finished run's segments are sent (`launch/uploading.py`): "" for nowhere, else
    # s3://BUCKET[/PREFIX], gs://BUCKET[/PREFIX] or az://CONTAINER[/PREFIX]
    trace_upload_url: str = ""
    trace_upload_keep_local: bool = False  # keep the local files of a run once its upload is confirmed
    trace_upload_timeout_seconds: float = 30.0  # the most a run's end waits for the uploads
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
    capture_http: str = "all"  # HTTP requests recorded: all (LLM APIs as llm spans, the rest as http), llm, off
    price_overrides: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # Where a run's events go: "jsonl" (the trace file, always) and "otlp" (spans sent live to an OTLP
    # receiver set by the standard OTEL_EXPORTER_OTLP_* variables).
    exporters: tuple[str, ...] = ("jsonl",)
    # The diagnosis rules' thresholds (`analysis/thresholds.Thresholds`, `diagnose`, `analyze`'s findings)
    diagnose_tool_failures: int = 3
    diagnose_missing_tool_asks: int = 3
    diagnose_loop_repeats: int = 3
    diagnose_handoff_cycles: int = 3
    diagnose_context_share: float = 0.8
    diagnose_growth_turns: int = 4
    diagnose_backoff_ms: float = 100.0
    diagnose_rate_limit_burst: int = 3
    diagnose_burst_window_ms: float = 10_000.0
    diagnose_min_saving_ms: float = 500.0
    diagnose_dominant_share: float = 0.5
    diagnose_slow_tool_share: float = 0.3
    diagnose_latency_floor_ms: float = 1000.0  # `analyze`'s critical latency anomaly: a slowdown a user notices
    # What a run is labelled with (`run_start.attrs.tags`; `trace --tag` adds to them): free text, redacted as argv
    tags: tuple[str, ...] = ()
    # The run index in PostgreSQL, shared by a team (`ops/runs/shared.py`); empty: SQLite beside the traces
    run_index_url: str = ""
    # The most the run index waits for PostgreSQL's answer to one statement (`ops/runs/pgwait.py`)
    run_index_timeout_seconds: float = 30.0

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-able data (tuples become lists), in `KEYS` order; a URL's password masked."""
        values = {key: plain(getattr(self, key)) for key in KEYS}
        values["run_index_url"] = masked(self.run_index_url)
        return values

    @property
    def hands_on(self) -> bool:
        """Whether a run's end hands the run to a process of ours (`launch/uploading.py`): to send it to a bucket
        (`trace_upload_url`), to put it in a team's index (`run_index_url`), or both."""
        return bool(self.trace_upload_url or self.run_index_url)


def settings_from(values: Mapping[str, object], source: str) -> Settings:
    """The settings `values` give (`plain` data by key, as one process of ours hands its settings to another;
    a key not given keeps its default), each checked as a value from code is. Raises ConfigError."""
    return _settings(_read_overrides(values, source))


KEYS: tuple[str, ...] = tuple(f.name for f in fields(Settings))


@dataclass(frozen=True)
class WorkspaceDocument:
    """The workspace file as read once: its text, data and keys' positions, and its name in messages
    (for the sections other commands read, such as `check`'s `checks`)."""

    display: str
    text: str
    data: dict[str, object]
    positions: KeyPositions


@dataclass(frozen=True)
class ResolvedSettings:
    """Settings plus where each value came from, for `config show`, `run_start` and error messages."""

    settings: Settings
    sources: Mapping[str, str]  # key -> "default" | file path | "env NAMEL3SS_DEBUG_X" | override label
    warnings: tuple[str, ...]
    workspace_file: Path | None
    base_dir: Path
    workspace: WorkspaceDocument | None = None  # the workspace file's contents, when there is one
    ignored: tuple[str, ...] = ()  # bad values left out by a lenient load (`load_settings(lenient=True)`)

    def output_dir(self) -> Path:
        """`trace_output_dir` as a path: absolute values are kept, relative ones joined to `base_dir`.

        `base_dir` is the workspace root (the parent of `.namel3ss/`) when the value came from the
        file, so traces land in the same place from any subdirectory; otherwise the working directory.
        """
        path = Path(self.settings.trace_output_dir).expanduser()
        return path if path.is_absolute() else self.base_dir / path


# ---------------------------------------------------------------- sources


def cache_directory(environ: Mapping[str, str]) -> Path | None:
    """Where the read commands keep what they work out (prices, results): `$XDG_CACHE_HOME/namel3ss-debug`,
    else `~/.cache/namel3ss-debug`; None with neither variable."""
    base = environ.get("XDG_CACHE_HOME") or (str(Path(environ["HOME"]) / ".cache") if environ.get("HOME") else "")
    return Path(base) / "namel3ss-debug" if base else None


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
    *,
    lenient: bool = False,
) -> ResolvedSettings:
    """Resolve the effective settings and where each value came from.

    Precedence, highest first:

    1. `overrides` (CLI flags, `configure()` keyword arguments); a value of None means "not given".
       Each is reported as coming from `override_source` (one label, or a mapping key -> label
       such as `{"buffer_size": "--buffer-size"}`).
    2. `environ`: `NAMEL3SS_DEBUG_<KEY>` variables (an empty value counts as unset).
    3. The workspace file: `config_path` if given (it must exist; relative to `cwd`), else
       `.namel3ss/debug.json` found from `cwd` upwards, if it is believed (`config/trust.py`: inside the
       project, the user's own, writable by no one else; or listed in `NAMEL3SS_DEBUG_TRUST`): one that is
       not is ignored, and said in `warnings` (in `ignored` for a lenient load).
    4. The defaults of `Settings`.

    `environ` and `cwd` are arguments so that nothing here reads process state.
    Raises `ConfigError` for a bad value or an unreadable file; unknown keys become `warnings`.
    `lenient` (a traced app reading its configuration: the tracer never raises into it): a bad value of the
    file or the environment is left out, as if not given, and said in `ignored`; so is a file that cannot
    be read. `overrides` stay strict: they are the caller's own code.
    """
    cwd = Path(cwd).absolute()
    warnings: list[str] = []
    ignored: list[str] | None = [] if lenient else None
    path = _choose_file(cwd, config_path)
    if path is not None and config_path is None:
        path = _believed(path, cwd, environ, ignored if ignored is not None else warnings)
    document = _read_document(path, cwd, ignored, explicit=config_path is not None) if path else None
    file_layer = _file_layer(document, warnings, ignored) if document else {}
    env_layer = _read_env(environ, warnings, ignored)
    override_layer = _read_overrides(overrides or {}, override_source)
    chosen = {**file_layer, **env_layer, **override_layer}
    dir_from_file = _wins(file_layer, chosen, "trace_output_dir")
    return ResolvedSettings(
        settings=_settings(chosen),
        sources={key: chosen[key][1] if key in chosen else "default" for key in KEYS},
        warnings=tuple(warnings),
        workspace_file=path,
        base_dir=_workspace_root(path) if path and dir_from_file else cwd,
        workspace=document,
        ignored=tuple(ignored or ()),
    )


_Layer = dict[str, tuple[object, str]]  # key -> (value, source label)


def _settings(chosen: _Layer) -> Settings:
    # Any: each value passed `parse_value` for its own key, so it has the type of that key's field
    values: dict[str, Any] = {key: value for key, (value, _) in chosen.items()}
    return Settings(**values)


def _wins(layer: _Layer, chosen: _Layer, key: str) -> bool:
    """Whether `layer` supplied the effective value of `key`."""
    return key in layer and chosen[key] is layer[key]


def _choose_file(cwd: Path, config_path: Path | None) -> Path | None:
    if config_path is None:
        return find_workspace_file(cwd)
    path = cwd / Path(config_path).expanduser()
    if path.is_dir():
        inside = WORKSPACE_FILE.name if path.name == WORKSPACE_FILE.parent.name else WORKSPACE_FILE
        raise ConfigError("is a directory, not a config file", where=str(config_path),
                          hint=f"name the file, such as {Path(config_path) / inside}")
    if not path.exists():
        raise ConfigError("config file not found", where=str(config_path),
                          hint="check the path, or run `namel3ss-debug config init`")
    return path  # a pipe is read as it comes; a device is refused when it is read (`read_bounded`)


def _believed(path: Path, cwd: Path, environ: Mapping[str, str], notices: list[str]) -> Path | None:
    """`path` when the found file may be believed, else None with one line in `notices` saying why."""
    reason = distrust(path, cwd, environ)
    if reason is None:
        return path
    notices.append(f"{display_path(path, cwd)} is ignored: {reason} ({trust_hint(path)})")
    return None


def display_path(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` when it lies below it (`.namel3ss/debug.json`), else absolute."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _workspace_root(path: Path) -> Path:
    return path.parent.parent if path.parent.name == WORKSPACE_FILE.parent.name else path.parent


def _left_out(error: ConfigError, ignored: list[str] | None, what: str) -> None:
    """Raise `error`, or, in a lenient load, note it in `ignored` with what is left out because of it."""
    if ignored is None:
        raise error
    ignored.append(f"{error}; {what} is ignored")


def _left_out_partly(layer: _Layer, key: str, raw: object, origin: tuple[bool, str], error: ConfigError,
                     ignored: list[str] | None) -> None:
    """`_left_out`, but in a lenient load the redaction lists keep their good items: one pattern RE2 refuses
    must not cost the app the others, and the secrets they hide."""
    from_env, label = origin
    usable = usable_items(key, raw, from_env=from_env) if ignored is not None and key in _PARTLY_KEPT else None
    if usable is None:
        _left_out(error, ignored, "the value")
        return
    kept, dropped = usable
    layer[key] = (kept, label)
    _left_out(error, ignored, f"that item of {key}" if dropped == 1 else f"each of the {dropped} such items of {key}")


def _read_document(path: Path, cwd: Path, ignored: list[str] | None, *,
                   explicit: bool) -> WorkspaceDocument | None:
    """The file read; one found (not named by `--config`) is judged again as opened: it may have been swapped."""
    display = display_path(path, cwd)
    try:
        document = read_json_document(path, display, vet=None if explicit else stranger_problem)
    except ConfigError as error:
        _left_out(error, ignored, "the file")
        return None
    return WorkspaceDocument(display, document.text, document.data, document.positions)


def _file_layer(document: WorkspaceDocument, warnings: list[str], ignored: list[str] | None) -> _Layer:
    display, data, positions = document.display, document.data, document.positions
    for key, pos in positions.duplicates:
        warnings.append(f"{display}:{positions.line_col(pos)}: duplicate key {json.dumps(key)} (the last one is used)")
    layer: _Layer = {}
    for key, raw in data.items():
        if key in _RESERVED_FILE_KEYS:
            continue
        if key not in SPECS:
            warnings.append(f"{display}: {unknown_key(key, KEYS)}")
            continue
        where = f"{display}:{positions.line_col(positions.paths[(key,)])}"
        try:
            layer[key] = (_file_value(key, raw, where), display)
        except ConfigError as error:
            _left_out_partly(layer, key, raw, (False, display), error, ignored)
    return layer


def _file_value(key: str, raw: object, where: str) -> object:
    """`parse_value` of a workspace file's value; a URL with a password is refused there: the file is often
    committed, and the password belongs to the environment or libpq's ~/.pgpass."""
    value = parse_value(key, raw, from_env=False, where=where)
    if key == "run_index_url" and isinstance(value, str) and has_password(value):
        raise ConfigError(f"{key}: a URL with a password in a workspace file", key=key, value=masked(value),
                          where=where, hint="remove the password from the URL and give it in PGPASSWORD or "
                          "~/.pgpass, or give the whole URL in NAMEL3SS_DEBUG_RUN_INDEX_URL")
    return value


def _read_env(environ: Mapping[str, str], warnings: list[str], ignored: list[str] | None) -> _Layer:
    layer: _Layer = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or not str(raw).strip() or name == TRUST_ENV:
            continue
        key = name[len(ENV_PREFIX) :].lower()
        if key not in SPECS:
            warnings.append(_unknown_env(name))
            continue
        try:
            layer[key] = (parse_value(key, raw, from_env=True, where=name), f"env {name}")
        except ConfigError as error:
            _left_out_partly(layer, key, raw, (True, f"env {name}"), error, ignored)
    return layer


def _unknown_env(name: str) -> str:
    known = tuple(ENV_PREFIX + key.upper() for key in KEYS)
    import difflib  # noqa: PLC0415 - only a warning needs it

    close = difflib.get_close_matches(name.upper(), known, n=1)
    guess = f"did you mean {close[0]}?" if close else "ignored"
    return f"env {name}: unknown variable ({guess})"


def _read_overrides(overrides: Mapping[str, object], source: str | Mapping[str, str]) -> _Layer:
    layer: _Layer = {}
    for key, raw in overrides.items():
        if raw is None:
            continue
        label = source if isinstance(source, str) else source.get(key, "flag")
        layer[key] = (_parsed_override(key, raw, label), label)
    return layer


def _parsed_override(key: str, raw: object, label: str) -> Any:
    """A value given from code (`configure(key=...)`, a flag): any object, so one that fails when it is looked at
    (a `__str__`, `__eq__` or `__iter__` that raises, a list that holds itself) is a ConfigError like any bad value."""
    try:
        return parse_value(key, raw, from_env=False, where=label)
    except ConfigError:
        raise
    except Exception as error:  # the object's own failure: no traceback of its making reaches the caller
        raise ConfigError(f"{key}: a {type(raw).__qualname__} that cannot be read as a setting "
                          f"({type(error).__name__})", key=key, where=label,
                          hint=f"give {key} a JSON value: a string, number, boolean, list or object") from None


def starter_config() -> str:
    """The text of a starter `.namel3ss/debug.json`: every key with its default (`enabled` is false)."""
    return json.dumps(Settings().to_dict(), indent=2) + "\n"
