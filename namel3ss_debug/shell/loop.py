"""The debugger shell: the one loop of `replay --step` and `replay --rerun --step` (pdb's side of bdb).

It reads command lines (`reading.py`: a script, echoed after the prompt so the output reads as a
transcript, or the terminal), hands each to a session (`replay.commands.CommandSession`: replay's, or
the rerun's) and writes the records it answers with: as text on `out`, or with `json_out` as JSON Lines
there while the rest goes to `err` as text. What differs between the two debuggers is a `Mode`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any, Callable, Iterable

from rich.console import Console, RenderableType
from rich.text import Text

from ..render.text import visible
from ..replay.commands import CommandSession
from ..replay.outputs import Output


@dataclass(frozen=True)
class Mode:
    """What is a debugger's own: its prompt, its views of records, and two habits.

    `json(record)` is the record as a JSON line, or None for one that goes to `err` as text.
    `repeat_in_scripts`: an empty line of a script repeats the last command (at the terminal it always
    does). `interrupted`: the message when Ctrl-C stops a command at the terminal, the session staying
    where it was; None lets the interrupt go on up."""

    prompt: str
    text: Callable[[Output], RenderableType]
    json: Callable[[Output], bytes | None]
    repeat_in_scripts: bool
    interrupted: str | None = None


# A script's line is echoed this far: the transcript says which command ran, not every byte of a line of
# megabytes (a binary file given to --commands), whose escaped copy would cost seconds and 80 bytes a byte.
ECHO_MAX = 2000


def echoed(line: str) -> str:
    """A script's line as the transcript shows it after the prompt: visible, and cut past ECHO_MAX."""
    if len(line) <= ECHO_MAX:
        return visible(line)
    return f"{visible(line[:ECHO_MAX])}... ({len(line):,} characters)"


class Shell:
    """Reads lines from `source` (a Script or a Terminal), runs them in `session`, writes its answers."""

    def __init__(self, session: CommandSession, mode: Mode, source: Any, out: Any, err: Console,
                 json_out: IO[bytes] | None = None):
        self.session, self.mode, self.source = session, mode, source
        self.out = out  # a Rich Console, or the pager's PagedOutput (both have print)
        self.err = err
        self.json_out = json_out
        self.last = ""

    def run(self) -> bool:
        """Runs commands until the session is done (True) or the input ends (False)."""
        while not self.session.done:
            line = self.source.read(self.mode.prompt)
            if line is None:
                return False
            if not self.source.terminal and self.json_out is None:
                self.out.print(Text(self.mode.prompt + echoed(line)), soft_wrap=True)
            self.run_line(line)
        return True

    def run_line(self, line: str) -> None:
        """One line: an empty one repeats the last command (where the mode and the source say so)."""
        if line.strip():
            self.last = line
        elif self.last and (self.source.terminal or self.mode.repeat_in_scripts):
            line = self.last
        else:
            return
        try:
            self.show(self.session.execute(line))
        except KeyboardInterrupt:  # a long `continue` or `list`: back to the prompt, as pdb does
            if not (self.source.terminal and self.mode.interrupted):
                raise
            self.err.print(Text(self.mode.interrupted), soft_wrap=True)

    def show(self, records: Iterable[Output]) -> None:
        for record in records:
            if self.json_out is None:
                self.out.print(self.mode.text(record), soft_wrap=True)
                continue
            line = self.mode.json(record)
            if line is None:
                self.err.print(self.mode.text(record), soft_wrap=True)
            else:
                self.json_out.write(line)
                self.json_out.flush()
