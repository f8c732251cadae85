"""One big run read on every core (`--jobs`, `read.read` of a plan in parts): the run's file cut at lines into spans,
each span after the first tallied in a worker process (`analysis.split_run.tally_part`) while this process tallies
the first, then joined in its place (`analysis.join`). The report is the one a single process makes, byte for byte: a
part is joined only where its figures are those one pass makes, this process reads every line no part tallied, and a
joined part's warnings are said here, in their place.

A run is cut only where that is exact and can pay: `--jobs` of 2 or more; one file of at least `PART_BYTES` a part,
not compressed, not a stream, in the v1 format (`store.formats.rereadable`); no `--since`, `--until` or
`--component`; and workers forked from this process (a call's identity is a hash of this process: a fork keeps it, as
it keeps the descriptor of the directory the answers come back through: `handoff.py`). Cuts
are placed at even sizes (the first span a little longer: `HEAD_START`), each moved to the next start of a child
of the run's root (a request, an agent) within `LOOK_AHEAD`, where little is open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterator, Optional, Sequence

from ...analysis.analyze import analyze_split, equipped
from ...model.collector import collector_paused
from ...analysis.part_tally import Tallied
from ...analysis.prices import Pricer
from ...analysis.records.report import Report
from ...analysis.run_state import Options
from ...analysis.split_run import SkippedPart, SplitRun, Stopped, tally_part
from ...checks import scan_parts
from ...checks.scan_parts import PartScan, ScanRecipe
from ...model.errors import Namel3ssDebugError, TraceError
from ...model.events import is_known_event_type, is_start
from ...store.line_blocks import LineBlock
from ...store.line_events import first_object
from ...store.problems import Call, LoggedProblems, ReadProblems, replay
from ...store.reader import LineRange, TraceReader
from ...store.records import EventRecord
from ...store.formats import rereadable
from ...store.sources import RunSource, seekable, unreadable
from ..environment import Environment
from ..traces import make_pricer, make_reader
from .counting import Counted
from . import handoff as handing
from .. import workers
from ..workers import InOrder
from .settings import PassSettings, options_of
from .watching import Watching, seen
from .way import ReadResult

if TYPE_CHECKING:  # `diff`'s call recorder, loaded by the reads that record calls (`diff`), not by `analyze`
    from ...diffing.call_parts import PartCalls, PartRecorder
    from .plan import ReadPlan

PART_BYTES = 32 * 1024 * 1024  # the least a part holds: a smaller run is read in one process
LOOK_AHEAD = 4 * 1024 * 1024  # how far past an even cut a child of the root is looked for
LONGEST = 4 * 1024 * 1024  # the longest line the cutter reads: a longer one is the reader's to refuse, not to hold here
HEAD_LINES = 64  # the run's first lines, where a part finds the roots open at its cut
# how much of a part the cuts are moved on by: this process's span is that much longer, since a worker also starts,
# reads the run's first lines and gives its tally back (107 MB, 2 jobs: 0.77-0.85 s where even cuts took 0.84-0.92)
HEAD_START = 0.12
_COUNT = 16 * 1024 * 1024  # bytes read at a time to count lines


@dataclass(frozen=True)
class FileCut:
    """The spans one run's file is read in (the first: this process's), and where its first lines end."""

    path: str
    spans: tuple[LineRange, ...]
    head: int


@dataclass(frozen=True)
class Parts:
    """Reads the plan's one run in parts, on the spans of `cut`."""

    cut: FileCut

    def read(self, plan: ReadPlan, pricer: Pricer, env: Environment, watching: Watching) -> ReadResult:
        report, problems, counted = read_in_parts(plan.sources[0], self.cut, plan.settings, pricer, env, watching)
        return ReadResult(report, problems, counted.events)


def cut_for(sources: Sequence[RunSource], settings: PassSettings, jobs: int) -> Optional[FileCut]:
    """The spans the one run named is read in by `jobs` processes; None when it is read in one."""
    if jobs < 2 or len(sources) != 1 or len(sources[0].files) != 1 or settings.window.active:
        return None
    if workers.start_method() != "fork":
        return None
    path = sources[0].files[0]
    if not seekable(path):  # a stream, a `.gz` file, an object in a store: read front to back, once
        return None
    try:
        size = os.path.getsize(path)
        parts = min(jobs, size // PART_BYTES)
        if parts < 2 or not rereadable(sources[0]):  # a part's lines are read again at their offsets
            return None
        with open(path, "rb") as file:
            return _cut(file, path, size, parts)
    except OSError:
        return None  # this process's reading says what is wrong


def _cut(file: BinaryIO, path: str, size: int, parts: int) -> Optional[FileCut]:
    root, head = _head(file)
    if root is None:
        return None  # not a v1 run with a root in its first lines
    offsets = [0]
    for number in range(1, parts):
        offset = _cut_near(file, int(size * (number + HEAD_START) / parts), root)
        if offset is not None and offsets[-1] < offset < size:
            offsets.append(offset)
    if len(offsets) < 2:
        return None
    offsets.append(size)
    lines = _lines_at(file, offsets[:-1])
    return FileCut(path, tuple(LineRange(offsets[at], offsets[at + 1], lines[at]) for at in range(len(lines))), head)


def _head(file: BinaryIO) -> tuple[Optional[str], int]:
    """The span id of the run's root (its first start with no parent, in a v1 event) and where its first lines end.
    A first line longer than LONGEST is not read on: the run is read in one process, whose reader refuses a
    line past its limit (`store.blocks.MAX_LINE`) without holding it."""
    root = None
    for _ in range(HEAD_LINES):
        line = file.readline(LONGEST)
        if len(line) == LONGEST and not line.endswith(b"\n"):
            return None, 0
        event = first_object((line,))
        if event is None or "v" not in event:
            return None, 0
        if root is None and event.get("parent_id") is None and is_start(str(event.get("event_type", ""))):
            root = str(event.get("span_id"))
    return root, file.tell()


def _cut_near(file: BinaryIO, offset: int, root: str) -> Optional[int]:
    """The offset of the first line past `offset` that starts a child of the root (within LOOK_AHEAD), else of the
    first whole line past it; None when the line `offset` falls in runs on past LONGEST. No line longer than LONGEST
    is gathered here: a line without end is the reader's to refuse, not the cutter's to hold."""
    file.seek(offset)
    if not file.readline(LONGEST).endswith(b"\n"):  # the rest of the line the offset falls in
        return None
    first = file.tell()
    while file.tell() < offset + LOOK_AHEAD:
        at = file.tell()
        line = file.readline(LONGEST)
        if not line or (len(line) == LONGEST and not line.endswith(b"\n")):
            break
        event = first_object((line,))
        if event is not None and event.get("parent_id") == root and is_start(str(event.get("event_type", ""))):
            return at
    return first


def _lines_at(file: BinaryIO, offsets: list[int]) -> list[int]:
    """The line number at each offset (each the start of a line, in order)."""
    file.seek(0)
    lines, done, newlines = [], 0, 0
    for offset in offsets:
        while done < offset:
            chunk = file.read(min(_COUNT, offset - done))
            if not chunk:
                break
            newlines += chunk.count(b"\n")
            done += len(chunk)
        lines.append(newlines + 1)
    return lines


@dataclass
class Told:
    """A part as its worker gives it back: its tally and where it stopped (or SkippedPart), and the problem calls of
    the lines it tallied (its reading's, then the event types this version does not know), to be said here; for
    `check`, its scan of those lines."""

    part: tuple[Tallied, Stopped] | SkippedPart
    calls: list[Call]
    scan: Optional[PartScan] = None
    recorded: Optional[PartCalls] = None  # for `diff`, the calls of those lines


@dataclass(frozen=True)
class PartOrder:
    """What a worker is handed: the run, its span, the span of the run's first lines (before the cut), and where it
    writes its answer (`handoff.py`: the read's directory, held open and inherited, and its number)."""

    source: RunSource
    span: LineRange
    head: LineRange
    place: handing.Place
    number: int


def tallied_parts(source: RunSource, cut: FileCut, settings: PassSettings, env: Environment, place: handing.Place,
                  ) -> InOrder[int]:
    """Each span's part but the first, tallied in worker processes started at once (`with` it): the number of each
    one's answer (a `Told`, written in `place`'s directory: `handoff.py`), in order."""
    parts = [PartOrder(source, span, LineRange(0, min(cut.head, span.start), 1), place, number)
             for number, span in enumerate(cut.spans[1:])]
    return InOrder(_part_there, parts, len(parts), _set_up, (dict(env.environ), str(env.cwd), settings), chunk=1,
                   runs=1)


_THERE: list[tuple[TraceReader, Options, Optional[ScanRecipe], bool]] = []


def _set_up(environ: dict[str, str], cwd: str, settings: PassSettings) -> None:
    env = Environment(environ=environ, cwd=Path(cwd), warn=lambda line: None)
    pricer = make_pricer(env, settings.file_prices, settings.price_overrides)
    options = options_of(settings)
    reader = TraceReader(LoggedProblems(strict=settings.strict), reuse_buffers=True, write_index=False)
    _THERE[:] = [(reader, equipped(options, pricer, None), settings.scan, settings.calls)]


def _part_there(part: PartOrder) -> int:
    return handing.handed(part.place, part.number, _told(part))


def _told(part: PartOrder) -> Told:
    reader, options, recipe, recording = _THERE[0]
    problems = reader.problems
    assert isinstance(problems, LoggedProblems)
    path = part.source.files[0]
    scan = recipe.part_scan() if recipe is not None else None
    recorder: Optional[PartRecorder] = None
    told: tuple[Tallied, Stopped] | SkippedPart
    try:
        head = [record for block in TraceReader(ReadProblems()).span_records(path, part.head) for record in block]
        if recording:
            from ...diffing.call_parts import PartRecorder  # noqa: PLC0415 - see the imports
            recorder = PartRecorder.of_head(head)
        with collector_paused():
            told = tally_part(head, reader.span_line_blocks(path, part.span), part.span, options, part.source, 0,
                              _seeing(scan, recorder, path))
    except (Namel3ssDebugError, OSError):  # this process reads the span itself: it meets the error and says it
        told = SkippedPart()
    calls = problems.taken()
    if isinstance(told, SkippedPart):
        return Told(told, [])
    tallied, stopped = told
    said = [call for call in calls if _before(call, stopped)]
    unknown: list[Call] = [("unknown_type", (event_type, part.source.label)) for event_type in tallied.overview.types
                           if not is_known_event_type(event_type)]
    return Told(told, said + unknown, scan.packed() if scan is not None else None,
                recorder.part() if recorder is not None else None)


def _seeing(scan: Optional[PartScan], recorder: Optional[PartRecorder], path: str,
            ) -> Callable[[LineBlock, Optional[int]], None] | None:
    """What a part shows each block its tally read (and how many of its records): the scan, the call recorder."""
    if scan is None and recorder is None:
        return None

    def see(block: LineBlock, upto: Optional[int]) -> None:
        if scan is not None:
            scan.see_block(block, path, upto)
        if recorder is not None:
            recorder.see(block, upto)

    return see


def _before(call: Call, stopped: Stopped) -> bool:
    """Whether a problem call is of a line the part tallied (before where it stopped): the lines after it are read
    again by the asking process, which says their problems."""
    if not stopped.line:
        return True  # the part's whole span
    where = call[1][0] if call[1] else ""
    line = str(where).rpartition(":")[2]
    return not line.isdigit() or int(line) < stopped.line


def read_in_parts(source: RunSource, cut: FileCut, settings: PassSettings, pricer: Pricer, env: Environment,
                  watching: Watching) -> tuple[Report, ReadProblems, Counted]:
    """The report of one big run read in parts: the first span here while the workers tally the others, each joined
    in its place with its warnings, bytes and records, and what no part tallied read here; what the reading met,
    and the records counted. With `watching.scan` (`check`'s: `settings.scan` its recipe), every event is shown to
    it: each part's scan joined with its tally, the lines read here on the way; with `watching.recorder` (`diff`'s:
    `settings.calls` set), every event's call is recorded the same way. Raises TraceError when the file changed
    under the parts."""
    progress = env.progress([source])
    reader = make_reader(settings.strict, env, progress=progress.advance, reuse_buffers=True, write_index=False)
    counted = Counted(reader.problems)
    handoff = handing.Handoff()
    spans = cut.spans
    scan, recorder = watching.scan, watching.recorder
    # each part's problem calls, where it stopped, its records, its scan and its calls
    taken: list[tuple[list[Call], int, int, Optional[PartScan], Optional[PartCalls]]] = []

    def parts() -> Iterator[tuple[Tallied, Stopped] | SkippedPart]:
        for number in told:  # read when asked for; only what `joined` needs is kept: a part joined is let go
            part: Told = handing.taken(handoff, number)
            given = part.part
            taken.append((part.calls, *((0, 0) if isinstance(given, SkippedPart) else
                                        (given[1].offset, given[0].run.events)), part.scan, part.recorded))
            yield given

    def settled(number: int) -> bool:
        theirs, recorded = taken[number][3:]
        return (scan is None or (theirs is not None and scan_parts.settled(scan, theirs))) and \
            (recorder is None or recorder.settles(recorded))

    def joined(number: int) -> None:
        calls, offset, events, theirs, recorded = taken[number]
        replay(calls, reader.problems)
        progress.advance(offset - spans[number + 1].start)
        counted.events += events
        if scan is not None and theirs is not None:
            scan_parts.join(scan, theirs)
        if recorder is not None and recorded is not None:
            recorder.adopt(recorded)
        taken[number] = (calls, offset, events, None, None)

    def read(span: LineRange) -> Iterator[Sequence[EventRecord]]:
        if not watching.sees_lines:
            return counted(source, reader.span_records(cut.path, span))
        return counted(source, seen(reader.span_line_blocks(cut.path, span), watching, source.files, True))

    # the workers tally their parts while this process reads the first span; the answers' directory goes at the end
    with handoff, tallied_parts(source, cut, settings, env, handoff.place) as told, progress:
        report = analyze_split(SplitRun(source, read, spans, parts(), joined, settled), pricer=pricer,
                               options=options_of(settings), window=settings.window, problems=reader.problems,
                               sections=settings.sections,
                               bytes_read=(lambda: progress.done) if watching.count_bytes else None,
                               keep_tally=watching.keep_tally, keep_clues=watching.keep_clues)
    _unchanged(cut)
    return report, reader.problems, counted


def _unchanged(cut: FileCut) -> None:
    """Raises TraceError when the file read in parts is smaller than when it was cut: its parts no longer hold the
    lines they were given (a rotation, a rewrite), and what was read of them is no answer."""
    try:
        size = os.path.getsize(cut.path)
    except OSError as error:
        raise unreadable(cut.path, error) from None
    if size < cut.spans[-1].end:
        raise TraceError(f"{cut.path} changed while it was read in parts: {cut.spans[-1].end} bytes when it was cut, "
                         f"{size} now", hint="read it again once nothing rewrites it, or with --jobs 1")
