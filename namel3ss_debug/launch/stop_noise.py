"""What the app prints on stderr while a rerun's stop unwinds it, kept off the terminal.

A stop (a miss, a quit, a refused tool: `RerunStop`) is raised inside a framework's call. On its way out,
frameworks log it with its traceback, asyncio reports the tasks it ended ("Task exception was never
retrieved"), each with the stop's own traceback: a few hundred lines after the app's output, on every miss.
What the app printed before the stop is its own and stays on the terminal. From the stop until the app's
run ends, stderr goes to `<run>.stop-noise.log` beside the new trace, and one line says so: file descriptor
2 is turned aside, so that a logging handler holding the stream since the app's start, and native code, are
covered as well as `sys.stderr`.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from pathlib import Path

from ..model.rerun_protocol import STOP_LISTENERS, RerunStop

NOISE_SUFFIX = ".stop-noise.log"
STDERR = 2


class StopNoise:
    """Once listening, the first stop made turns stderr aside into `path`; `end` turns it back.

        noise = StopNoise(path).listen()
        try:
            run the app
        finally:
            said = noise.end()  # print it, when not None
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._saved: int | None = None  # the terminal's stderr, while stderr goes to `path`
        self._heard = False

    def listen(self) -> StopNoise:
        STOP_LISTENERS.append(self.heard)
        return self

    def heard(self, stop: RerunStop) -> None:
        """A stop is about to be raised: what stderr gets from now on goes to the file."""
        with self._lock:
            if self._heard:
                return
            self._heard = True
            _flush()
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                target = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            except OSError:  # no room for it: the noise stays where it was
                return
            try:
                self._saved = os.dup(STDERR)
                os.dup2(target, STDERR)
            except OSError:  # no stderr to turn aside (closed)
                self._saved = None
            finally:
                os.close(target)

    def terminal(self) -> int:
        """The descriptor of the terminal's stderr: the one turned aside, while it is."""
        saved = self._saved
        return saved if saved is not None else STDERR

    def end(self) -> str | None:
        """Stop listening and give stderr back; the line saying where the noise went, or None when none did."""
        if self.heard in STOP_LISTENERS:
            STOP_LISTENERS.remove(self.heard)
        with self._lock:
            saved, self._saved = self._saved, None
        if saved is None:
            return None
        gc.collect()  # the tasks the stop ended, unreachable now: asyncio reports each as it is collected
        _flush()
        os.dup2(saved, STDERR)
        os.close(saved)
        return self._said()

    def _said(self) -> str | None:
        try:
            text = self.path.read_text(errors="replace")
        except OSError:
            return None
        lines = len(text.splitlines())
        if not lines:
            self.path.unlink(missing_ok=True)
            return None
        return (f"namel3ss-debug: what the frameworks printed while the stop unwound the app ({lines} lines) "
                f"is in {self.path}")


def _flush() -> None:
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # closed by the app
            continue
