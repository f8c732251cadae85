"""A run: its ids and settings, and the events that open and close it."""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable, Mapping

from .._version import __version__
from ..config import ResolvedSettings
from .asks import ToolAsks
from .clock import iso_now, new_run_id, span_id
from .events import envelope
from ..model.seals import Seals
from .filter import CaptureFilter
from .memory import make_sampler
from .pipeline import Pipeline
from .provenance import unredacted
from .recorder import Recorder, Writer
from .retention import expired_traces, remove
from .span import RootSpan, Span
from .stopped import StoppedSpans
from .truncate import Truncator
from .writer import RotatingJsonlWriter

# Distributions whose versions decide how an agent app behaves when it is run again.
RECORDED_PACKAGES = ("namel3ss", "openai", "anthropic", "orjson", "pydantic", "httpx", "langchain-core",
                     "litellm", "tiktoken")


def installed_versions() -> dict[str, str]:
    """namel3ss-debug's version and those of the `RECORDED_PACKAGES` that are installed."""
    from importlib import metadata  # noqa: PLC0415 - only a run start needs it

    versions = {"namel3ss-debug": __version__}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except Exception:  # not installed, or broken metadata: nothing to record
            continue
    return versions


def _redactor(settings: Any, environ: Mapping[str, str]) -> Any:
    """The run's Redactor: its detectors load here, when a run starts, not when the app imports us."""
    from ..redaction.redact import Redactor  # noqa: PLC0415 - 50 compiled patterns, worth 8 ms of import time

    return Redactor(settings.redact_keys, settings.redact_patterns, environ)


class Run:
    """Everything one traced run needs; built by `Tracer.start_run`."""

    def __init__(self, resolved: ResolvedSettings, *, writer: Writer | None = None, run_id: str | None = None,
                 environ: Mapping[str, str] = os.environ, sealed: bool = True):
        self.resolved = resolved
        self.sealed = sealed  # its files are noted as written here (model/seals.py): not a stranger-answered rerun's
        self.settings = settings = resolved.settings
        self.run_id = run_id or new_run_id()
        self._ids = itertools.count(1)
        self.root_id = self.next_span_id()
        self.root = RootSpan(self.root_id)
        self.directory = resolved.output_dir()
        # The values of sensitive environment variables (`MISTRAL_API_KEY`) are hidden wherever they appear.
        self.redactor = _redactor(settings, environ) if settings.redact else None
        if not settings.redact:
            unredacted(resolved.sources.get("redact", "default"))
        self.memory = make_sampler() if settings.capture_memory else None
        self.prices = dict(settings.price_overrides)
        self.start_ns = time.perf_counter_ns()
        self.start_ts = iso_now()
        self.ended = False
        self.name = "run"  # the run's root span: set from the entry by Tracer.start_run
        self.retention_deleted: list[Path] = []
        self.unhandled: BaseException | None = None
        self.crashed_at: str | None = None  # `ValueError in get_exchange_rate`: set by `unanswered.at_crash`
        self.hooks: Any = None  # lifecycle.Hooks, when the run's process hooks are installed
        self.upload = False  # its end leaves the marker of a run to send to a bucket (finished.py); set by its starter
        self.llm_traffic: dict[str, dict[str, int]] = {}  # what transport.watch heard: hosts, unrecorded requests
        self.reading: dict[int, Any] = {}  # responses whose bodies are being read (transport Exchanges), by id
        self.asks = ToolAsks()  # which LLM call asked for each tool call id
        self.at_end: list[Callable[[], None]] = []  # what ends just before run_end (the transport's wire agents)
        self.ending: str | None = None  # run_end's status, once the run has begun to end (`Tracer.end_run`)
        # spans that end with another, by that span's id: each called with whether it failed, just before its
        # end is written (a wire agent opened under a hook's span: `transport/agents.py`)
        self.ends_with: dict[str, list[Callable[[bool], None]]] = {}
        self.held: dict[str, Any] = {}  # spans whose start is not written yet, by span id (held.py)
        self.stops: StoppedSpans | None = None  # a rerun's run's open spans, ended after a stop (stopped.py)
        # tool calls whose span ended without a result, by call id: each given the result the next request
        # carries (transport/tool_wire.py), or None at the run's end (integrations/otel/results.py)
        self.awaiting_results: dict[str, Callable[[Any], None]] = {}
        # The start-up span while it is open (`Tracer.open_startup`): read on every span start, so a plain
        # attribute; whoever ends it takes the recorder's lock (`Tracer.end_startup`).
        self.startup: Span | None = None
        self.recorder = Recorder(
            run_id=self.run_id, root_id=self.root_id, writer=writer or self._file_writer(environ),
            pipeline=Pipeline(self.redactor, Truncator(settings.max_payload_size)),
            event_filter=self._filter(), segment_span_id=self.next_span_id,
        )

    def next_span_id(self) -> str:
        return span_id(next(self._ids))

    @property
    def paths(self) -> list[Path]:
        return list(getattr(self.recorder.writer, "paths", []))

    def apply_retention(self) -> None:
        """Delete this directory's traces older than `trace_retention_days` (ours only; never raises)."""
        try:
            self.retention_deleted = remove(expired_traces(self.directory, self.settings.trace_retention_days))
        except Exception:
            self.retention_deleted = []

    def _file_writer(self, environ: Mapping[str, str]) -> Writer:
        s = self.settings
        writer = RotatingJsonlWriter(
            self.directory, self.run_id, buffer_size=s.buffer_size,
            max_bytes=int(s.max_trace_file_size_mb * 1024 * 1024), max_events=s.max_events_per_file,
            max_files=s.max_files_per_run, seals=Seals.of(environ) if self.sealed else None,
        )
        if "otlp" in s.exporters:  # exporters: ["jsonl", "otlp"]: the file, and each span sent as it ends
            from .otlp.live import live_writer  # noqa: PLC0415 - only a run that exports live loads the SDK

            return live_writer(writer, environ, source=self.resolved.sources.get("exporters", "default"))
        return writer

    def _filter(self) -> CaptureFilter:
        s = self.settings
        return CaptureFilter(root_id=self.root_id, components=s.default_components, event_types=s.default_event_types,
                           min_duration_ms=s.min_duration_ms, sample_rate=s.sample_rate)

    def start_event(self, entry: dict[str, Any], argv: list[str],
                    project: dict[str, Any] | None = None) -> dict[str, Any]:
        """`run_start`: what is needed to run the app again, and where it ran (`project`: the working
        directory relative to the project root, `tracer/project.py`)."""
        import platform  # noqa: PLC0415 - here, not at import: only a run start needs them
        import socket  # noqa: PLC0415 - as platform: only a run start needs it

        event = envelope(self.run_id, "run_start", "app", self.name, self.root_id, None, "started")
        event["ts"] = self.start_ts
        event["pid"] = os.getpid()
        event["attrs"] = {
            "entry": entry,
            "argv": self.redactor.redact_argv(argv) if self.redactor else list(argv),
            "cwd": os.getcwd(),
            **({"project": project} if project is not None else {}),
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "executable": sys.executable,
            "packages": installed_versions(),
            "host": socket.gethostname(),
            "config": self._recorded_config(),
            "config_sources": dict(self.resolved.sources),
            "trace_dir": str(self.directory),
        }
        if self.settings.tags:
            event["attrs"]["tags"] = self._tags()
        if self.retention_deleted:
            event["attrs"]["retention_deleted"] = len(self.retention_deleted)
        return event

    def _recorded_config(self) -> dict[str, Any]:
        """The effective config, with configured patterns hidden: a pattern may spell out the secret itself."""
        config = self.settings.to_dict()
        config["redact_patterns"] = ["[REDACTED:pattern]"] * len(config["redact_patterns"])
        config["tags"] = self._tags()
        return config

    def _tags(self) -> list[str]:
        """The run's tags, free text a user typed: a secret in one is hidden as in an argument of argv."""
        tags = self.settings.tags
        return [self.redactor.redact_text(tag, pairs=True) for tag in tags] if self.redactor else list(tags)

    def end_event(self, status: str, *, exit_code: int | None, reason: str | None,
                  error: dict[str, Any] | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """`run_end`: how the run ended, what the tracer counted, and `extra` (a rerun's `parted`)."""
        event = envelope(self.run_id, "run_end", "app", self.name, self.root_id, None, status)
        event["duration_ms"] = round((time.perf_counter_ns() - self.start_ns) / 1e6, 3)
        if error is not None:
            event["error"] = error
        attrs: dict[str, Any] = {"tracer_errors": self.recorder.errors}
        if exit_code is not None:
            attrs["exit_code"] = exit_code
        if reason:
            attrs["reason"] = reason
        writer = self.recorder.writer
        deleted = getattr(writer, "deleted", None)
        if deleted:
            attrs["segments_deleted"] = [p.name for p in deleted]
        dropped = getattr(writer, "deleted_events", 0) + getattr(writer, "discarded_events", 0)
        if dropped:
            attrs["dropped"] = dropped  # events whose seq numbers are missing from the files
        if self.llm_traffic:
            attrs["llm_traffic"] = self.llm_traffic
        tool_calls = self.asks.tally()
        if tool_calls:
            attrs["tool_calls"] = tool_calls  # how the tool calls the model asked for were seen
        attrs.update(extra or {})
        event["attrs"] = attrs
        if self.memory is not None:
            event["memory_mb"] = self.memory.sample()
        return event
