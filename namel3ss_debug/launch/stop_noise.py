"""What the app prints on stderr while a rerun's stop unwinds it, kept off the terminal.

A stop (a miss, a quit, a refused tool: `RerunStop`) is raised inside a framework's call. On its way out,
frameworks log it with its traceback, asyncio reports the tasks it ended ("Task exception was never
retrieved"), each with the stop's own traceback: a few hundred lines after the app's output, on every miss.
What the app printed before the stop is its own and stays on the terminal. From the stop until the app's
run ends, stderr goes to `<run>.stop-noise.log` beside the new trace, and one line says so: file descriptor
2 is turned aside, so that a logging handler holding the stream since the app's start, and native code, are
covered as well as `sys.stderr`. It is turned into a pipe, read into memory (at most MAX_KEPT bytes; what comes
after is counted, not kept), and written to the file redacted as the run's events are (`redact`, the run's
redactor): a framework's traceback may print a request, and no secret reaches disk unredacted.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from pathlib import Path
from typing import Callable

from ..model.files import NOISE_SUFFIX
from ..model.fs import replace_beside
from ..model.rerun_protocol import STOP_LISTENERS, RerunStop

__all__ = ["NOISE_SUFFIX", "StopNoise"]
STDERR = 2
MAX_KEPT = 4 << 20  # bytes of noise kept; the rest is counted
READ_CHUNK = 65536
DRAIN_S = 2.0  # after stderr is given back, how long the last of the noise may take to arrive (a child holding it)


class StopNoise:
    """Once listening, the first stop made turns stderr aside into `path`; `end` turns it back.

        noise = StopNoise(path).listen()
        try:
            run the app
        finally:
            said = noise.end()  # print it, when not None
    """

    def __init__(self, path: Path, redact: Callable[[str], str] | None = None) -> None:
        self.path = path
        self.redact = redact
        self._lock = threading.Lock()
        self._saved: int | None = None  # the terminal's stderr, while stderr goes to the pipe
        self._heard = False
        self._kept = bytearray()
        self._dropped = 0
        self._reader: threading.Thread | None = None

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
                reading, target = os.pipe()
            except OSError:  # no descriptors left: the noise stays where it was
                return
            try:
                self._saved = os.dup(STDERR)
                os.dup2(target, STDERR)
            except OSError:  # no stderr to turn aside (closed)
                self._saved = None
                os.close(reading)
                return
            finally:
                os.close(target)
            self._reader = threading.Thread(target=self._read, args=(reading,), daemon=True,
                                            name="namel3ss-debug: stop noise")
            self._reader.start()

    def _read(self, reading: int) -> None:
        """Keep what comes through the pipe (MAX_KEPT bytes, the rest counted) until every writer has closed it."""
        try:
            while chunk := os.read(reading, READ_CHUNK):
                room = MAX_KEPT - len(self._kept)
                self._kept += chunk[:max(room, 0)]
                self._dropped += max(len(chunk) - max(room, 0), 0)
        except OSError:
            pass
        finally:
            os.close(reading)

    def terminal(self) -> int:
        """The descriptor of the terminal's stderr: the one turned aside, while it is."""
        saved = self._saved
        return saved if saved is not None else STDERR

    def end(self, unwound: bool = True) -> str | None:
        """Stop listening and give stderr back; the line saying where the noise went, or None when none did.
        `unwound`: the stop ended the app. An app that caught the stop and went on (a refused connection it
        reported, then ended by itself) printed its own lines, not noise: they go to the terminal as they came."""
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
        if self._reader is not None:
            self._reader.join(DRAIN_S)  # a process the app started may hold the pipe: what came by then is kept
        if not unwound:
            return self._given_back()
        return self._said()

    def _given_back(self) -> str | None:
        """What came through the pipe, written to the terminal's stderr as it came."""
        kept = bytes(self._kept)
        if self._dropped:
            kept += f"\n[namel3ss-debug: {self._dropped} more bytes of stderr were not kept]\n".encode()
        try:
            while kept:
                kept = kept[os.write(STDERR, kept):]
        except OSError:  # a closed stderr: nothing to give it to
            pass
        return None

    def _said(self) -> str | None:
        text = bytes(self._kept).decode(errors="replace")
        lines = len(text.splitlines())
        if not lines:
            return None
        if self._dropped:
            text += f"\n[namel3ss-debug: {self._dropped} more bytes were not kept]\n"
        said = (self.redact(text) if self.redact is not None else text).encode("utf-8", "replace")
        try:  # beside the run's trace, at a name of ours: a link or a FIFO found there is replaced, never used
            replace_beside(self.path, lambda kept: kept.write(said))
        except OSError as error:
            return (f"namel3ss-debug: what the frameworks printed while the stop unwound the app ({lines} lines) "
                    f"could not be kept in {self.path}: {error.strerror or error}")
        return (f"namel3ss-debug: what the frameworks printed while the stop unwound the app ({lines} lines) "
                f"is in {self.path}")


def _flush() -> None:
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # closed by the app
            continue
