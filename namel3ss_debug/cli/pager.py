"""Output of the reading commands: straight to stdout, or through a pager when a terminal would overflow.

Rich's own `console.pager()` collects everything before showing any of it; a long trace should start
showing at once and stop being read when the user quits, so this pager is fed as output is made: the
first screenful is held back, and only output taller than the terminal starts `$PAGER` (default
`less`, with `LESS=FRX` unless the user set LESS: colours pass, one screen quits, the screen is kept).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # only types: `inspect --event N --format json` must not pay for importing Rich
    from rich.console import Console, RenderableType


class PagerClosed(Exception):
    """The user quit the pager (or closed the pipe): stop making output."""


class PagedOutput:
    """Prints renderables on `console`; with `page` and a terminal, long output goes through the pager."""

    def __init__(self, console: Console, page: bool, environ: dict[str, str] | None = None):
        self.console = console
        self.paging = page and console.is_terminal
        self.environ = dict(os.environ if environ is None else environ)
        self.held: list[str] = []
        self.lines = 0
        self.process: subprocess.Popen[str] | None = None

    def print(self, renderable: RenderableType, **options: Any) -> None:
        if not self.paging:
            self.console.print(renderable, **options)
            return
        with self.console.capture() as capture:
            self.console.print(renderable, **options)
        self._feed(capture.get())

    def write(self, text: str) -> None:
        """Text already rendered (with the console's styles), paged like `print`."""
        if not self.paging:
            self.console.file.write(text)
            return
        self._feed(text)

    def close(self) -> None:
        """Show what was held back, or let the pager finish and wait for the user to quit it."""
        if self.process is None:
            if self.held:
                self.console.file.write("".join(self.held))
                self.console.file.flush()
            self.held = []
            return
        try:
            self.process.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass
        while True:
            try:
                self.process.wait()
                return
            except KeyboardInterrupt:  # the pager has the terminal and handles Ctrl-C itself (as pydoc does)
                continue

    @property
    def paged(self) -> bool:
        """Whether a pager is running: it must be waited for, whatever happens to us."""
        return self.process is not None

    def _feed(self, text: str) -> None:
        if self.process is not None:
            self._write(text)
            return
        self.held.append(text)
        self.lines += text.count("\n")
        if self.lines >= self.console.height:
            self.process = self._start()
            held, self.held = "".join(self.held), []
            if self.process is not None:
                self._write(held)
            else:
                self.paging = False
                self.console.file.write(held)

    def _start(self) -> subprocess.Popen[str] | None:
        try:
            command = shlex.split(self.environ.get("PAGER", "") or "less")
        except ValueError:  # PAGER with an unbalanced quote: no pager, as if there were none
            return None
        if not command:
            return None
        env = dict(self.environ)
        env.setdefault("LESS", "FRX")
        try:
            return subprocess.Popen(command, stdin=subprocess.PIPE, text=True, encoding="utf-8", env=env)
        except OSError:
            return None  # no pager here: print, as if stdout were not a terminal

    def _write(self, text: str) -> None:
        stream: IO[str] = self.process.stdin  # type: ignore[union-attr,assignment]
        try:
            stream.write(text)
        except (BrokenPipeError, KeyboardInterrupt):
            raise PagerClosed from None


def drop_stdout() -> None:
    """Stdout's reader went away (`| head`): silence the exit flush and exit 1, as Rich does for tables.

    (The Python documentation's recipe for SIGPIPE: point stdout at /dev/null, exit with 1.)
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)
