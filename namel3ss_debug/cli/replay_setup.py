"""What `replay` does before the console opens: read the run, set the --break and --mock options."""

from __future__ import annotations

from pathlib import Path

from ..model.errors import UsageError
from ..replay.engine import ReplayEngine
from ..replay.expr import ExprError
from ..replay.load import load_timeline
from ..replay.mock_specs import ordered_mocks
from ..replay.mocks import MockError
from ..replay.timeline import Timeline
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .errors import warn
from .progress import ByteProgress


def load(source: RunSource, reader: TraceReader, progress: bool, run_id: str | None) -> Timeline:
    """The run's timeline, with a progress bar on a terminal for a big trace; a warning names the
    other runs of an input that holds several."""
    with ByteProgress.for_sources([source], progress) as bar:
        reader.progress = bar.advance
        timeline = load_timeline(source, reader, run_id)
    if timeline.other_runs:
        others = sorted(timeline.other_runs)
        warn(f"{source.label} holds {len(others) + 1} runs; replaying {timeline.run_id} "
             f"(--run ID for another: {', '.join(others[:5])}{' ...' if len(others) > 5 else ''})")
    return timeline


def set_breakpoints(engine: ReplayEngine, specs: tuple[str, ...]) -> None:
    for spec in specs:
        try:
            engine.breakpoints.add(spec)
        except ExprError as error:
            raise UsageError(f"--break {spec!r}: {error.message}",
                             hint=error.hint or "a condition compares fields: duration_ms > 500") from None
        except UsageError as error:
            raise UsageError(f"--break {spec!r}: {error.message}", hint=error.hint) from None


def set_mocks(engine: ReplayEngine, mocks: tuple[str, ...], files: tuple[Path, ...]) -> None:
    """Each mock is checked against the recording: a key matching no recorded call is an error naming
    the nearest."""
    for mock in ordered_mocks(mocks, files):
        try:
            engine.mocks.set(mock)
        except MockError as error:
            if mock.origin != "--mock":
                raise
            raise MockError(f"--mock {mock.key.text!r}: {error.message}", hint=error.hint) from None
    engine.refresh()
