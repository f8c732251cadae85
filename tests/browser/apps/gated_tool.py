"""A run with one tool call in flight until the file GO_FILE names appears; the run then ends once STOP_FILE
appears (each wait gives up after 120 s, so a test that dies leaves no app behind). `view --follow` tests
watch it start, run and end, each step when the test says."""

from __future__ import annotations

import os
import time
from pathlib import Path

from namel3ss_debug import span

go, stop = Path(os.environ["GO_FILE"]), Path(os.environ["STOP_FILE"])
deadline = time.monotonic() + 120


def wait_for(path: Path) -> None:
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


with span("lookup", component="tool"):
    wait_for(go)
wait_for(stop)
