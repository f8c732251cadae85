"""A side of `diff` read in parts (`--jobs`): one big run read alone (the other side kept in the cache, small, or the
same run), cut as `analyze` cuts it (`analyze/split.py`), each part tallied for the report's sections a diff reads
and its calls recorded in a worker, joined in their place (`diffing/call_parts.py`). The profile is the one one read
of the whole file gives (`diff_sides.read_side`), byte for byte.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ..analysis.prices import Pricer
from ..analysis.run_state import Options
from ..analysis.thresholds import Thresholds
from ..analysis.window import EventWindow
from ..diffing.call_parts import JoiningRecorder
from ..diffing.profile import SECTIONS, RunProfile
from ..store.formats import rereadable
from ..store.problems import ReadProblems
from ..store.sources import RunSource
from .analyze.parts import Settings
from .analyze.split import Cut, cut_for, read_in_parts
from .environment import Environment
from .workers import main_process


def cut_side(source: RunSource, env: Environment, jobs: int, strict: bool,
             price_overrides: Optional[Mapping[str, Any]]) -> Optional[Cut]:
    """Where a side is cut to be read in parts; None when it is read in one process (one job, a worker of a command,
    a run that cannot be read again, a run under `split.PART_BYTES` a part: `split.cut_for`)."""
    if jobs < 2 or not main_process() or not rereadable(source):
        return None
    return cut_for([source], _settings(strict, price_overrides), jobs, env)


def side_in_parts(source: RunSource, cut: Cut, env: Environment, pricer: Pricer, strict: bool,
                  price_overrides: Optional[Mapping[str, Any]]) -> tuple[RunProfile, ReadProblems]:
    """The side's profile read in parts, and what the reading met."""
    settings, recorder = _settings(strict, price_overrides), JoiningRecorder()
    report, problems, _ = read_in_parts(source, cut, Options(), settings.window, pricer, SECTIONS, strict, env,
                                        settings, None, recorder=recorder, count_bytes=False)
    return RunProfile(source, report, recorder.finish()), problems


def _settings(strict: bool, price_overrides: Optional[Mapping[str, Any]]) -> Settings:
    """What the workers tally (the sections a diff reads, with the default options `profile_lines` reads with)
    and record (the calls)."""
    options = Options()
    return Settings(options.slow_threshold_ms, options.block_threshold_ms, options.top, Thresholds(), EventWindow(),
                    SECTIONS, strict, False, None, price_overrides, None, True)
