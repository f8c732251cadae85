"""The debugger's commands: pdb's aliases, help made from docstrings, and the one way a command line runs.

A session (replay's `ReplaySession`, the rerun's `RerunSession`) is a `CommandSession`: each of its
`do_<name>(self, argument, column)` methods is a command, returning the records it answers with. Its
docstring's first line is the usage, the rest of its first paragraph the summary, and the paragraphs
after it the details. `help` and `quit` are every session's; a session lists its own commands first.
The shell (`shell/`) reads the lines and writes the records; nothing here does I/O.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Mapping
from typing import ClassVar

from ..model.errors import UsageError
from .expr import pointer
from .outputs import Command, Help, Message, Output
from ..recording.timeline import as_number

# pdb's names where they fit; gdb's `info`; our own `back`, `goto`, `mock`, `stats`; `ok` for the
# rerun's `accept`. An alias counts in a session only when the command it names is one of its own.
ALIASES = {
    "s": "step", "n": "next", "r": "finish", "return": "finish", "c": "continue", "cont": "continue",
    "unt": "until", "j": "goto", "jump": "goto", "b": "break", "cl": "clear", "w": "where", "bt": "where",
    "l": "list", "ll": "longlist", "h": "help", "?": "help", "q": "quit", "exit": "quit", "ok": "accept",
}


class CommandSession:
    """Runs command lines against a session's `do_*` methods: one line in, the records it answers with out.

    A mistake (an unknown command, a UsageError from a command) is answered with an error record and
    counted in `errors`; `done` says the session wants no more commands.
    """

    commands: ClassVar[dict[str, Command]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.commands = command_table(cls)

    def __init__(self) -> None:
        self.errors = 0
        self.done = False

    def execute(self, line: str) -> list[Output]:
        """Runs one command line (a blank one does nothing: repeating is the shell's)."""
        name, argument, column = split(line)
        if not name:
            return []
        command = resolve(name, self.commands)
        if command is None:
            self.errors += 1
            close = nearest(name, self.commands)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            return [Message(f"unknown command {quoted(name)} ({hint}`help` lists the commands)", "error")]
        self._before(command)
        try:
            # a command found by its name, as `cmd.Cmd` finds it: each `do_*` returns a list of outputs
            outputs: list[Output] = getattr(self, f"do_{command}")(argument, column)
            return outputs
        except UsageError as error:
            self.errors += 1
            at = getattr(error, "column", None)  # a condition, JSON: point at the mistake in the line
            return [Message(str(error), "error", pointer(line, at) if at else None)]

    def _before(self, command: str) -> None:
        """Called before each command runs (replay's `list` goes on only from a `list`)."""

    def do_help(self, argument: str, column: int) -> list[Output]:
        """help [COMMAND]
        List the commands, or show one command's help."""
        if not argument:
            return [Help(tuple(self.commands.values()), one=False)]
        name = resolve(argument, self.commands)
        if name is None:
            raise UsageError(f"no command {argument!r}", hint="`help` lists the commands")
        return [Help((self.commands[name],), one=True)]

    def do_quit(self, argument: str, column: int) -> list[Output]:
        """quit
        End the session (so does end of input, Ctrl-D)."""
        self.done = True
        return []


def command_table(session_type: type) -> dict[str, Command]:
    """Every `do_*` method of a session class as a Command: its own in the order they are defined, then
    those every session has (help, quit), with the session's docstring where it has its own."""
    shared = _defined(CommandSession)
    names = [name for klass in reversed(session_type.__mro__) if klass is not CommandSession
             for name in _defined(klass) if name not in shared]
    table: dict[str, Command] = {}
    for name in [*dict.fromkeys(names), *shared]:
        usage, summary, details = _parts(inspect.getdoc(getattr(session_type, f"do_{name}")) or name)
        aliases = tuple(alias for alias, target in ALIASES.items() if target == name)
        table[name] = Command(name, aliases, usage, summary, details)
    return table


def _defined(klass: type) -> list[str]:
    return [attribute[3:] for attribute, method in vars(klass).items()
            if attribute.startswith("do_") and callable(method)]


def _parts(doc: str) -> tuple[str, str, str]:
    """Usage (the first line), summary (the rest of the first paragraph, as one line), details (the rest)."""
    usage, _, rest = doc.partition("\n")
    summary, _, details = rest.strip().partition("\n\n")
    return usage.strip(), " ".join(summary.split()), details.strip()


def split(line: str) -> tuple[str, str, int]:
    """`(command, argument, column of the argument)`; the column is 1-based in `line`."""
    stripped = line.lstrip()
    lead = len(line) - len(stripped)
    name, _, rest = stripped.partition(" ")
    argument = rest.strip()
    column = lead + len(name) + 1 + (len(rest) - len(rest.lstrip())) + 1
    return name, argument, column


def aliases_of(table: Mapping[str, object]) -> dict[str, str]:
    """The aliases of the commands in `table`."""
    return {alias: target for alias, target in ALIASES.items() if target in table}


def resolve(name: str, table: Mapping[str, object]) -> str | None:
    """The command a name or alias stands for, or None."""
    name = ALIASES.get(name, name)
    return name if name in table else None


# A word this long is no command mistyped (none is a quarter as long): it is not compared, nor quoted whole.
# A script's line of megabytes (a binary file given to --commands) would otherwise cost difflib ~80 bytes of
# memory a character, and be printed back in full.
LONGEST_WORD = 64


def nearest(name: str, table: Mapping[str, object]) -> list[str]:
    if len(name) > LONGEST_WORD:
        return []
    return difflib.get_close_matches(name, [*table, *aliases_of(table)], n=3, cutoff=0.6)


def quoted(name: str) -> str:
    """`name` quoted as a message shows it: whole, or its start and its length."""
    if len(name) <= LONGEST_WORD:
        return repr(name)
    return f"{name[:LONGEST_WORD]!r}... ({len(name):,} characters)"


def numbers(text: str, command: str, noun: str = "a number", required: bool = True) -> list[int]:
    """The numbers in `1 3` or `1,3`, in order and once each; `noun` names what one should be."""
    found: dict[int, None] = {}
    for part in text.replace(",", " ").split():
        number = as_number(part)
        if number is None:
            raise UsageError(f"{command}: {part!r} is not {noun}", hint=f"e.g. {command} 1")
        found[number] = None
    if required and not found:
        raise UsageError(f"{command} needs a breakpoint number", hint=f"e.g. {command} 1")
    return list(found)
