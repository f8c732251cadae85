"""The integrity section's figures: what is wrong with the trace itself, counted as the pass reads it, with the
first few problems said (`build.py` makes them the report's `Integrity`)."""

from __future__ import annotations

from ...store.records import EventRecord
from ..run_state import MAX_KEPT, RunState, recorded_event_types


class IntegrityCollector:
    """Seq gaps count always; the span-id checks (duplicates, orphans, unmatched ends) only in a pass whose
    report reads integrity, which keeps each run's span ids for them."""

    def __init__(self) -> None:
        self.unclosed = 0
        self.ends_without_start = 0
        self.orphans = 0
        self.duplicates = 0
        self.gaps = 0
        self.problems: list[str] = []

    def note(self, message: str) -> None:
        if len(self.problems) < MAX_KEPT:
            self.problems.append(message)

    def seq_jump(self, run: RunState, seq: int, expected: int) -> None:
        self.gaps += 1
        what = "goes back" if seq < expected else "jumps"
        self.note(f"run {run.run_id}: seq {what} from {expected - 1} to {seq}")

    def duplicate(self, run: RunState, span_id: str, seq: int) -> None:
        self.duplicates += 1
        self.note(f"run {run.run_id} seq {seq}: span id {span_id} used again")

    def orphan(self, run: RunState, event: EventRecord) -> None:
        self.orphans += 1
        self.note(f"run {run.run_id} seq {event.seq}: parent {event.parent_id} of span "
                  f"{event.span_id} never appears before it")

    def end_without_start(self, run: RunState, event: EventRecord) -> None:
        if event.event_type == "run_end" and not run.seen.starts and not run.seen.others:
            return  # a run filtered or cut to its end: nothing to pair
        if recorded_event_types(run):
            return  # the run was recorded with default_event_types: ends without their starts are expected
        self.ends_without_start += 1
        self.note(f"run {run.run_id} seq {event.seq}: end of span {event.span_id} without its start")

    def run_finished(self, run: RunState) -> None:
        """The run's events ran out: its spans still open never ended (its root too, unless the run never ended)."""
        unclosed = [s for s, own in run.open.items() if not (own.parent_id is None and run.end is None)]
        if unclosed:
            self.unclosed += len(unclosed)
            first = run.open[unclosed[0]]
            self.note(f"run {run.run_id}: {len(unclosed)} span(s) never ended, e.g. {unclosed[0]} "
                      f"({first.component}:{first.name})")

    def merge(self, part: IntegrityCollector) -> None:
        """`part`'s problems after these: counts summed, the first problems kept up to the same cap."""
        self.unclosed += part.unclosed
        self.ends_without_start += part.ends_without_start
        self.orphans += part.orphans
        self.duplicates += part.duplicates
        self.gaps += part.gaps
        for problem in part.problems:
            self.note(problem)
