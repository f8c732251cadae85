"""`namel3ss_debug.configure()`: the app starts (or stops) its own run, from its code."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from ..config import load_settings
from ..model.messages import warning_line
from ..tracer.api import get_tracer
from ..tracer.core import Tracer
from .capture import capture_calls


def configure(**settings: Any) -> Tracer:
    """Apply settings (highest precedence) and start or stop tracing.

    Ends the active run, if any; then, when the effective `enabled` is true, starts a new run with
    these settings over `NAMEL3SS_DEBUG_*`, the workspace file and the defaults. A bad keyword argument
    raises `ConfigError`; a bad value of the environment or the file is a warning and is left out.

        configure(enabled=True, trace_output_dir="traces", capture_memory=True)
    """
    resolved = load_settings(os.environ, Path.cwd(), overrides=settings, override_source="configure()", lenient=True)
    for warning in (*resolved.ignored, *resolved.warnings):
        print(warning_line(warning), file=sys.stderr)
    tracer = get_tracer()
    tracer.end_run()
    if resolved.settings.enabled:
        run = tracer.start_run(resolved)
        if resolved.settings.hands_on:
            from .uploading import send_at_exit  # noqa: PLC0415 - only an app whose runs are handed on loads it

            send_at_exit(run)
        capture_calls()
    return tracer
