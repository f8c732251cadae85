"""Settings that send a run's data away or write it unredacted say where they came from, once a process, when a
run first uses them: a workspace file or a variable the user did not write could have set them (`config/trust.py`
ignores the files of strangers; this names the source of what is believed, so a surprise is seen at once).

    namel3ss-debug: note: redact is false (from .namel3ss/debug.json): secrets are written to the trace as they are
    namel3ss-debug: note: exporters has "otlp" (from env NAMEL3SS_DEBUG_EXPORTERS): each span is also sent to
    http://localhost:4318/v1/traces (from the default)

Never raises: a process without stderr (pythonw) is told nothing.
"""

from __future__ import annotations

import sys
import threading

from ..model.messages import visible

_said: set[str] = set()
_lock = threading.Lock()


def note(message: str) -> None:
    """`message` on stderr, the first time this process says it."""
    with _lock:
        if message in _said:
            return
        _said.add(message)
    if sys.stderr is not None:
        try:
            print(f"namel3ss-debug: note: {visible(message)}", file=sys.stderr, flush=True)
        except (OSError, ValueError):  # a closed or broken stderr: the app goes on
            pass


def unredacted(source: str) -> None:
    """A run that writes its events with `redact` false."""
    note(f"redact is false (from {source}): secrets are written to the trace as they are")


def exported(source: str, endpoint: str, endpoint_variable: str | None) -> None:
    """A run that sends each span to an OTLP receiver as well as to its trace file; the receiver's address
    comes from the OTLP variables, or is the default."""
    origin = f"env {endpoint_variable}" if endpoint_variable else "the default"
    note(f'exporters has "otlp" (from {source}): each span is also sent to {endpoint} (from {origin})')
