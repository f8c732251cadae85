"""The command table: names, pdb's aliases, and help made from each command's docstring.

A command is a `do_<name>(self, argument, column)` method of the session; its docstring's first line is
the usage, the rest of its first paragraph the summary, and the paragraphs after it the details.
"""

from __future__ import annotations

import difflib
import inspect
from dataclasses import dataclass
from typing import Any

# pdb's names where they fit; gdb's `info`; our own `back`, `goto`, `mock`, `stats`.
ALIASES = {
    "s": "step", "n": "next", "r": "finish", "return": "finish", "c": "continue", "cont": "continue",
    "unt": "until", "j": "goto", "jump": "goto", "b": "break", "cl": "clear", "w": "where", "bt": "where",
    "l": "list", "ll": "longlist", "h": "help", "?": "help", "q": "quit", "exit": "quit",
}


@dataclass(frozen=True)
class Command:
    name: str
    aliases: tuple[str, ...]
    usage: str
    summary: str
    details: str


def command_table(session_type: type, aliases: dict[str, str] = ALIASES) -> dict[str, Command]:
    """Every `do_*` method of the session class as a Command, in the order they are defined."""
    table: dict[str, Command] = {}
    for attribute, method in vars(session_type).items():
        if attribute.startswith("do_") and callable(method):
            name = attribute[3:]
            usage, summary, details = _parts(inspect.getdoc(method) or name)
            names = tuple(alias for alias, target in aliases.items() if target == name)
            table[name] = Command(name, names, usage, summary, details)
    return table


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


def resolve(name: str, table: dict[str, Any], aliases: dict[str, str] = ALIASES) -> str | None:
    """The command a name or alias stands for, or None."""
    name = aliases.get(name, name)
    return name if name in table else None


def nearest(name: str, table: dict[str, Any], aliases: dict[str, str] = ALIASES) -> list[str]:
    return difflib.get_close_matches(name, [*table, *aliases], n=3, cutoff=0.6)
