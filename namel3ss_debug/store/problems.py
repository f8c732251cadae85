"""What a reader met that was not a clean event: kept, counted and reported, never a traceback."""

from __future__ import annotations

import reprlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from ..model.errors import TraceError

MAX_KEPT = 20  # messages kept per kind; the counts stay exact
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 80, 80


def shown(value: object) -> str:
    """A value from a trace as a message shows it: a few levels deep, 80 characters at most. Its whole repr
    could be megabytes, recurse past the stack (JSON nested a thousand deep), or be refused (an integer of
    more than 4,300 digits)."""
    try:
        return _REPR.repr(value)[:80]
    except ValueError:
        return "a number too long to show"


@dataclass
class ReadProblems:
    """Invalid lines (`file:line: why`), torn last lines, seq gaps and fields dropped for their type.

    `strict` turns an invalid line into a `TraceError` (exit 3) instead of a skipped, counted line.
    `on_warning`, when given, hears each message as it happens (the CLI prints them to stderr), except while
    a file has given no event yet: its messages are held until it does (`release`), and dropped when it turns
    out not to be a trace (`discard`), whose one error says all (`analyze app.py`: not 20 warnings first).
    """

    strict: bool = False
    on_warning: Callable[[str], None] | None = None
    invalid: list[str] = field(default_factory=list)
    invalid_count: int = 0
    torn: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    gap_count: int = 0
    dropped_fields: list[str] = field(default_factory=list)
    dropped_count: int = 0
    empty_files: list[str] = field(default_factory=list)
    unknown_types: Counter[str] = field(default_factory=Counter)
    held: list[str] | None = None

    def invalid_line(self, where: str, why: str) -> None:
        if self.strict:
            raise TraceError(why, where=where, hint="fix or remove the line, or drop --strict to skip it")
        self.invalid_count += 1
        self._keep(self.invalid, f"{where}: {why}", self.invalid_count, "invalid lines skipped")

    def torn_line(self, where: str) -> None:
        """A last line cut short: normal after a crash, so a warning even under --strict."""
        self.torn.append(where)
        self._say(f"{where}: last line is incomplete (the writer stopped mid-line, e.g. a crash); ignored")

    def seq_gap(self, where: str, expected: int, got: int) -> None:
        self.gap_count += 1
        self._keep(self.gaps, f"{where}: seq jumps from {expected - 1} to {got}", self.gap_count, "gaps in seq")

    def dropped_field(self, where: str, fields: list[str]) -> None:
        self.dropped_count += 1
        self._keep(self.dropped_fields, f"{where}: ignored field(s) of the wrong type: {', '.join(fields)}",
                   self.dropped_count, "fields ignored")

    def unknown_type(self, event_type: str, where: str) -> None:
        """An event type this version does not know: read and counted, said once per type."""
        if event_type not in self.unknown_types:
            self._say(f"{where}: event type {shown(event_type)} is not one this namel3ss-debug knows: "
                      "counted, shown, not analysed as a span")
        self.unknown_types[event_type] += 1

    def notice(self, message: str) -> None:
        """Something beside the trace that was not used (a wrong offset index): said, not a problem of the trace."""
        self._say(message)

    def empty_file(self, where: str) -> None:
        self.empty_files.append(where)
        self._say(f"{where}: empty file, no events")

    @property
    def any(self) -> bool:
        return bool(self.invalid_count or self.torn or self.gap_count or self.dropped_count or self.empty_files)

    def _keep(self, kept: list[str], message: str, count: int, kind: str) -> None:
        """The first MAX_KEPT messages of a kind are kept and said; the rest only counted."""
        if count <= MAX_KEPT:
            kept.append(message)
            self._say(message)
        elif count == MAX_KEPT + 1:
            self._say(f"more {kind}: counted, not shown")

    def hold(self) -> None:
        """Keep messages back until `release` or `discard` (a file that has given no event yet)."""
        if self.held is None:
            self.held = []

    def release(self) -> None:
        """Say the messages held back: the file is a trace."""
        held, self.held = self.held, None
        for message in held or ():
            self._say(message)

    def discard(self) -> None:
        """Drop the messages held back: the file is not a trace, and its error says so."""
        self.held = None

    def _say(self, message: str) -> None:
        if self.held is not None:
            self.held.append(message)
        elif self.on_warning is not None:
            self.on_warning(message)


Call = tuple[str, tuple[object, ...]]  # a method of ReadProblems and its arguments


class LoggedProblems(ReadProblems):
    """A worker's reading (`ops/reading/batches.py`): each problem kept as the call that said it (`calls`, in order,
    once its file turned out to be a trace), for the asking process to make again on its own ReadProblems
    (`replay`), which says them and counts them as one reader of every run would. Nothing is said here."""

    def __init__(self, strict: bool = False) -> None:
        super().__init__(strict=strict)
        self.calls: list[Call] = []
        self._held_calls: list[Call] | None = None

    def invalid_line(self, where: str, why: str) -> None:
        super().invalid_line(where, why)
        self._log("invalid_line", where, why)

    def torn_line(self, where: str) -> None:
        super().torn_line(where)
        self._log("torn_line", where)

    def seq_gap(self, where: str, expected: int, got: int) -> None:
        super().seq_gap(where, expected, got)
        self._log("seq_gap", where, expected, got)

    def dropped_field(self, where: str, fields: list[str]) -> None:
        super().dropped_field(where, fields)
        self._log("dropped_field", where, list(fields))

    def unknown_type(self, event_type: str, where: str) -> None:
        super().unknown_type(event_type, where)
        self._log("unknown_type", event_type, where)

    def notice(self, message: str) -> None:
        super().notice(message)
        self._log("notice", message)

    def empty_file(self, where: str) -> None:
        super().empty_file(where)
        self._log("empty_file", where)

    def hold(self) -> None:
        super().hold()
        if self._held_calls is None:
            self._held_calls = []

    def release(self) -> None:
        super().release()
        held, self._held_calls = self._held_calls, None
        self.calls += held or ()

    def discard(self) -> None:
        super().discard()
        self._held_calls = None

    def taken(self) -> list[Call]:
        """The calls kept since the last `taken` (a source's), and none kept any more."""
        calls, self.calls = self.calls, []
        return calls

    def _log(self, name: str, *args: object) -> None:
        (self._held_calls if self._held_calls is not None else self.calls).append((name, args))


REPLAYED = frozenset({"invalid_line", "torn_line", "seq_gap", "dropped_field", "unknown_type", "notice", "empty_file"})


def replay(calls: list[Call], problems: ReadProblems) -> None:
    """Make a worker's problem calls again on `problems`, in order (`LoggedProblems`)."""
    for name, args in calls:
        if name in REPLAYED:  # the names are this module's own: a worker of this install wrote them
            getattr(problems, name)(*args)
