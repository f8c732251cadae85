"""Reading one run for the run index: `analyze` of that run alone, made a row (`analysis/run_row.py`).

The report is read as `analyze RUN` reads it (`ops/reading/read.read`, the same pricer, the same
diagnose thresholds, the same options), so every figure of a row is the one `analyze RUN --format json` prints.
The reading's warnings are not printed (a directory of runs would print them all at every sync): a run's
problems are counted in its row (`problems`), and a run that cannot be read is one note. Its question and answer
come from the same pass (`analysis/run_texts.said_of`); the row is redacted (`scrubbed`) before its texts are cut to
one line (`run_row.in_one_line`), so that no secret is kept in part for having been cut first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import msgspec

from ..._version import __version__
from ...analysis.thresholds import Judging, thresholds_from
from ...analysis.run_row import IndexedRun, OperationTimes, RunRow, in_one_line, operation_times, row_of
from ...analysis.run_texts import RunTexts, said_of
from ...analysis.run_state import Options
from ...config import ResolvedSettings
from ...model.digest import blake2b
from ...model.errors import Namel3ssDebugError, TraceError
from ...store.sources import RunSource
from ..each_run import each_run_noting
from ..environment import ByteCount, Environment, Progress, ignore
from ..reading.settings import PassSettings, pass_settings
from ..traces import make_pricer, price_data

if TYPE_CHECKING:
    from ...analysis.prices import Pricer

# What a row is made of: the sections `row_of` reads (integrity for `problems`; health and findings track it anyway).
ROW_SECTIONS = ("overview", "operations", "llm", "tools", "errors", "integrity", "health", "findings")


@dataclass(frozen=True)
class RunReading:
    """Reads one run into an `IndexedRun` (`RunIndex.sync`'s `index_run`); `key` names what its rows depend on
    besides the run: an index made with another key is rebuilt."""

    key: str
    pricer: Pricer
    settings: PassSettings  # what the pass reads with: `analyze`'s defaults, never strict
    env: Environment  # its warnings silent, its progress `bar`
    resolved: ResolvedSettings = field(compare=False)  # what it is made of (a worker process makes its own)
    cache: bool = True  # False (--no-cache): the reading writes no offset sidecar beside a file
    jobs: int = 1  # worker processes for many runs at once (`each`)

    def each(self, sources: Sequence[RunSource]) -> Iterator[IndexedRun | Namel3ssDebugError | OSError]:
        """Each run read, in order, or the error that kept it from being read: in `jobs` worker processes when
        there are many runs (`each_run.py`), each counted on the bar as it is given back, else here."""
        return each_run_noting(_made, (self.resolved, self.cache), sources, self.jobs, self.env, self)

    def __call__(self, source: RunSource) -> IndexedRun:
        """The run's row and operations; raises TraceError for a run with no events or with several runs in one
        file (analyze counts those together: no one row is theirs), OSError for a file that went away."""
        # the pass loads only when a run is read: 88 ms
        from ..reading.plan import ReadPlan  # noqa: PLC0415 - as the comment above says
        from ..reading.read import no_events, read  # noqa: PLC0415 - as above
        from ..reading.watching import Watching  # noqa: PLC0415 - as above

        kept: list[tuple[list[OperationTimes], RunTexts]] = []
        done = read(ReadPlan((source,), self.settings), self.pricer, self.env,
                    Watching(keep_tally=lambda tally: kept.append((operation_times(tally), said_of(tally)))))
        if not done.events:
            raise no_events([source])
        report = done.report
        runs = report.overview.runs if report.overview is not None else []
        if len(runs) != 1:
            raise TraceError(f"{source.label} holds {len(runs)} runs: a run's row is read from a file of one run",
                             hint="give each run its own file (the tracer writes one per run)")
        operations, said = kept[0]
        indexed = scrubbed(IndexedRun(row_of(report, list(source.files), said), operations))
        return IndexedRun(in_one_line(indexed.row), indexed.operations)

    def reading(self, bar: Progress) -> "RunReading":
        """This reading with its bytes counted on `bar` (one bar over a whole sync, not one a run)."""
        return replace(self, env=replace(self.env, progress=lambda sources: _Shared(bar)))


def _made(env: Environment, resolved: ResolvedSettings, cache: bool) -> RunReading:
    """A worker process's reading, made as the asking process made its own."""
    return run_reading(resolved, env, cache=cache)


def run_reading(resolved: ResolvedSettings, env: Environment, *, cache: bool = True, jobs: int = 1) -> RunReading:
    """The reading of `analyze`'s defaults under these settings: its pricer, Judging and options (`Options`'
    defaults are `analyze`'s option defaults; a test holds them equal). Never strict: the index is the same whoever
    reads it; a row counts its run's problems (`--strict` judges them)."""
    settings = resolved.settings
    thresholds = thresholds_from(settings)
    options = Options(judging=Judging(thresholds))
    read_settings = pass_settings(options, ROW_SECTIONS, strict=False, index=cache)
    key_parts = [__version__, price_data(env.environ), settings.price_overrides, asdict(thresholds),
                 options.slow_threshold_ms, options.block_threshold_ms, options.top]
    key = blake2b(msgspec.json.encode(key_parts), digest_size=16).hexdigest()
    quiet = replace(env, warn=ignore, progress=lambda sources: ByteCount())
    return RunReading(key, make_pricer(env, None, settings.price_overrides), read_settings, quiet, resolved, cache,
                      jobs)


def scrubbed(indexed: IndexedRun) -> IndexedRun:
    """The run's row and operations as redacting the run would leave them (`scrub.copies`): a name that holds a
    secret's shape, or a value the run holds under a sensitive key, is left out, not stored (an operation so named
    too); the question, answer and error messages are kept redacted. A run whose texts redaction would not change
    is itself."""
    if not _would_hide(indexed):
        return indexed
    from ...scrub.copies import redactions  # noqa: PLC0415 - the redactor loads only for a row that needs it

    redacted = redactions((indexed.row, [times.operation for times in indexed.operations]), indexed.row.files)
    return IndexedRun(replace_texts(indexed.row, redacted),
                      [times for times in indexed.operations if times.operation not in redacted])


def replace_texts(row: RunRow, redacted: dict[str, str]) -> RunRow:
    """`row` with each text `redacted` names changed: a name dropped from its list or dict, a lone name made None,
    the question, answer and error messages replaced by their redacted text."""
    def kept(names: Sequence[str]) -> list[str]:
        return [name for name in names if name not in redacted]

    def lone(text: str | None) -> str | None:
        return None if text in redacted else text

    def said(text: str | None) -> str | None:
        return redacted.get(text, text) if text is not None else None

    return msgspec.structs.replace(
        row, entry=lone(row.entry), failure=lone(row.failure), parent=lone(row.parent), models=kept(row.models),
        frameworks=kept(row.frameworks), tags=kept(row.tags), error_types=kept(row.error_types),
        tools={name: figures for name, figures in row.tools.items() if name not in redacted},
        findings={kind: worst for kind, worst in row.findings.items() if kind not in redacted},
        input=said(row.input), output=said(row.output),
        error_messages=[redacted.get(message, message) for message in row.error_messages])


def _would_hide(indexed: IndexedRun) -> bool:
    """Whether redaction would change a text of the row or an operation's name (not their durations: a walk of
    every span's duration was a tenth of indexing's time)."""
    from ...scrub.copies import would_hide  # noqa: PLC0415 - the redactor loads only when a row is made

    return would_hide((indexed.row, [times.operation for times in indexed.operations]), indexed.row.files)


class _Shared:
    """One run's reading progress counted on the sync's bar, which the sync enters and leaves itself."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.done = 0

    def advance(self, count: int) -> None:
        self.done += count
        self.bar.advance(count)

    def __enter__(self) -> "_Shared":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

