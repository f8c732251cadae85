"""`replay`'s use case before a console opens: read the run, set the --break and --mock options.

    timeline = load_run(source, reader, env, run_id)   # warnings (other runs in the input) to env.warn
    engine = replay_engine(timeline, breaks, mocks, mock_files)
"""

from __future__ import annotations

from pathlib import Path

from ..model.errors import UsageError
from ..replay.engine import ReplayEngine
from ..replay.expr import ExprError
from ..recording.kept import KeptTimeline, kept, restored
from ..recording.load import load_timeline
from ..replay.mock_specs import ordered_mocks
from ..recording.mocks import MockError
from ..recording.timeline import Timeline
from ..store.reader import TraceReader
from ..store.sources import RunSource
from .cache import ResultCache, results_directory
from .environment import Environment


def load_run(source: RunSource, reader: TraceReader, env: Environment, run_id: str | None,
             cache: bool = True) -> Timeline:
    """The run's timeline, its reading heard by `env.progress`; a warning names the other runs of an
    input that holds several. With `cache`, a timeline kept by an earlier clean read of the same files is
    taken from the result cache (`ops/cache.py`), and one read now is kept there."""
    results = ResultCache(results_directory(env.environ) if cache else None, env.warn)
    key = results.key("replay", [source], [run_id])
    found = results.get(key, KeptTimeline)
    timeline = restored(found, source.files, source.label) if found is not None else None
    if timeline is None:
        progress = env.progress([source])
        with progress:
            reader.progress = progress.advance
            timeline = load_timeline(source, reader, run_id)
        keeping = kept(timeline)
        if keeping is not None:
            results.put(key, keeping, reader.problems)
    if timeline.other_runs:
        others = sorted(timeline.other_runs)
        env.warn(f"{source.label} holds {len(others) + 1} runs; replaying {timeline.run_id} "
                 f"(--run ID for another: {', '.join(others[:5])}{' ...' if len(others) > 5 else ''})")
    return timeline


def replay_engine(timeline: Timeline, breaks: tuple[str, ...], mocks: tuple[str, ...],
                  mock_files: tuple[Path, ...]) -> ReplayEngine:
    """The engine over the run, with the breakpoints and mocks the options give (a bad one: UsageError)."""
    engine = ReplayEngine(timeline)
    _set_breakpoints(engine, breaks)
    _set_mocks(engine, mocks, mock_files)
    return engine


def _set_breakpoints(engine: ReplayEngine, specs: tuple[str, ...]) -> None:
    for spec in specs:
        try:
            engine.breakpoints.add(spec)
        except ExprError as error:
            raise UsageError(f"--break {spec!r}: {error.message}",
                             hint=error.hint or "a condition compares fields: duration_ms > 500") from None
        except UsageError as error:
            raise UsageError(f"--break {spec!r}: {error.message}", hint=error.hint) from None


def _set_mocks(engine: ReplayEngine, mocks: tuple[str, ...], files: tuple[Path, ...]) -> None:
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
