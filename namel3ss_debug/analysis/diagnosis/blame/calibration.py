"""How sure each path of the blame is, and which of two rules' steps is tried first: read from measurement, never
set by hand.

A path is the way a rule chose its step (`BlameVerdict.path`: `error.value_passed`, `answer.file_first_write`, ...).
`measured.MEASURED` holds, for each path and each system of the labelled public corpus, how many failed runs the
path pointed at a step in and how often that step's agent and the step itself were the labelled ones (written by
`bench/blame_accuracy.py --write`). From those figures, with the same functions the bench uses for each system left
out:

- **level** (`level_of`): `high` where, on every system on which the path pointed at least `MIN_RUNS` times, it
  named the labelled agent and the labelled step at least 80% of the time each; `medium` where on every such
  system the agent was right at least 80% of the time and the step more often than not; else `low`. Either needs
  `MIN_SYSTEMS` such systems: a path measured on fewer has too little evidence, and no level but `low` (what one
  system shows is fitted to that system).
- **order** (`ordered`): the rules point at steps in their order (1, 2, 4, then a reading of the run); where two
  of those paths were both measured (`MIN_RUNS` runs over the systems together), the one that named the labelled
  step more often goes first. A path not measured keeps its place.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence, TypeVar

MIN_RUNS = 10  # runs of one system a path must point at before its figures on that system count
MIN_SYSTEMS = 2  # systems a path must be counted on before it earns a level above `low`
HIGH = 0.8  # agent and step both right at least this often, on every system: `high`
MEDIUM_AGENT, MEDIUM_STEP = 0.8, 0.5  # agent at least this often and step more often than this: `medium`

Figures = Mapping[str, Sequence[int]]  # system -> (runs the path pointed in, agent right, step right)
Table = Mapping[str, Figures]  # path -> its figures

T = TypeVar("T")


def level_of(path: str, table: Table) -> str:
    """`high`, `medium` or `low` for `path`, by its figures in `table` (see the module)."""
    counted = [(runs, agent, step) for runs, agent, step in (table.get(path) or {}).values() if runs >= MIN_RUNS]
    if len(counted) < MIN_SYSTEMS:
        return "low"
    if all(agent >= HIGH * runs and step >= HIGH * runs for runs, agent, step in counted):
        return "high"
    if all(agent >= MEDIUM_AGENT * runs and step > MEDIUM_STEP * runs for runs, agent, step in counted):
        return "medium"
    return "low"


def step_rate(path: str, table: Table) -> Optional[float]:
    """How often `path` named the labelled step over every system together; None below `MIN_RUNS` runs."""
    figures = list((table.get(path) or {}).values())
    runs = sum(one[0] for one in figures)
    return sum(one[2] for one in figures) / runs if runs >= MIN_RUNS else None


def ordered(items: Sequence[T], paths: Sequence[str], table: Table) -> list[T]:
    """`items` (in the rules' order, `paths[i]` the path of `items[i]`) with the measured ones sorted among the
    places they hold by how often their path named the labelled step, best first; the others keep their places."""
    rates = [step_rate(path, table) for path in paths]
    places = [index for index, rate in enumerate(rates) if rate is not None]
    best = sorted(places, key=lambda index: -(rates[index] or 0.0))  # stable: a tie keeps the rules' order
    out = list(items)
    for place, index in zip(places, best):
        out[place] = items[index]
    return out


def without(table: Table, system: str) -> dict[str, dict[str, Sequence[int]]]:
    """`table` with one system's figures left out: what a path's level and order are chosen on when that system is
    the one scored."""
    return {path: {name: figures for name, figures in by_system.items() if name != system}
            for path, by_system in table.items()}
