"""Start a run at import when the environment or the workspace file says `enabled`.

Called by the package's import, which skips it in the namel3ss-debug CLI itself (it starts its own run,
with its flags); never raises: a bad value of the environment or the workspace file is one warning on stderr
and is left out (its key keeps the value below it, the default at last), and the app runs, traced if enabled.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..config import load_settings
from ..model.errors import Namel3ssDebugError
from ..model.messages import warning_line
from ..tracer.api import get_tracer
from .capture import capture_calls


def autostart() -> None:
    if get_tracer().active:
        return
    try:
        resolved = load_settings(os.environ, Path.cwd(), lenient=True)
    except Namel3ssDebugError as exc:
        print(f"namel3ss-debug: configuration error, not tracing: {exc}", file=sys.stderr)
        return
    except Exception as exc:  # never break the app's import
        print(f"namel3ss-debug: configuration error, not tracing: {exc!r}", file=sys.stderr)
        return
    for problem in resolved.ignored:  # said even when tracing stays off: a bad `enabled` is one of them
        print(warning_line(problem), file=sys.stderr)
    if resolved.settings.enabled:
        for warning in resolved.warnings:
            print(warning_line(warning), file=sys.stderr)
        try:
            run = get_tracer().start_run(resolved)
            if resolved.settings.hands_on:
                from .uploading import send_at_exit  # noqa: PLC0415 - only an app whose runs are handed on loads it

                send_at_exit(run)
            capture_calls()  # the HTTP clients and frameworks the app imports from here on
        except Exception as exc:  # never break the app's import
            print(f"namel3ss-debug: could not start tracing: {exc!r}", file=sys.stderr)
