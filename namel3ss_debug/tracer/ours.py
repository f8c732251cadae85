"""Threads at work for the tracer itself, such as the live export sending spans: what they do is not the app's.

The live export (`otlp/live.py`) sets `OURS.on` in a thread for as long as it converts or sends spans there.
An HTTP request made meanwhile is the exporter's own, and is never recorded (`transport/opening.py`):
recorded, it would be one more span to send, and at the run's end it would wait on the recorder that is
waiting for the export to finish.
"""

from __future__ import annotations

import threading

OURS = threading.local()


def doing_our_work() -> bool:
    """True in a thread while it does the tracer's own work."""
    return getattr(OURS, "on", False)
