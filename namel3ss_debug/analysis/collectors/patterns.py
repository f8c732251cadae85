"""The patterns section's figures: calls made again with the same inputs, retries of failed calls, and cycles of
calls an agent repeats. Each is decided when a call starts.

An agent's calls are watched for cycles per agent execution; under one whose agents take turns (a team, a group
chat: `agent_turn` spans), per turn agent, each agent's calls over all its turns in that execution apart from the
others' (the engineer's three identical writes are its loop; the leader's and the engineer's `finish_task` one
after the other are none). A loop is then named after the turn agent, at its first turn."""

from __future__ import annotations

from dataclasses import replace

from ...store.records import EventRecord
from ..loops import LoopWatch
from ..run_state import OpenSpan, RunState
from .figures import SEQ_BITS, LoopSeen, Op, Repeat, Retries


class PatternsCollector:
    """Made only for a pass whose report reads patterns (or tools, health, findings)."""

    def __init__(self) -> None:
        self.calls: dict[int, int] = {}  # call identity (`figures.call_key`) -> calls
        # the identities called more than once (those of runs merged from another tally: keyed by (its first run's
        # place, identity), `merge.py`)
        self.repeated: dict[object, Repeat] = {}
        self.retries: dict[Op, Retries] = {}
        self.loops: list[LoopSeen] = []

    def started(self, run: RunState, event: EventRecord, op: Op, key: int | None, parent: OpenSpan | None,
                watch: str | None) -> bool:
        """A call started: a repeat when `key` was called before, a step of its agent's loop watch (`watch`, the
        key of `RunState.watches`); returns whether it is a retry.

        `key` identifies the call by run, component, name and inputs; None when it has no inputs (then it takes no
        part in repeats and loops, which compare inputs).
        """
        if key is not None:
            calls = self.calls.get(key, 0) + 1
            self.calls[key] = calls
            if calls > 1:
                self._repeated(run, event, key, calls)
            if watch is not None:
                watching = run.watches.get(watch)
                if watching is None:
                    watching = run.watches[watch] = LoopWatch()
                watching.see(key, event.seq, op)
        if parent is None or parent.last != (op, True):
            return False
        self._retry(run, event, op)
        return True

    @staticmethod
    def turn(run: RunState, execution: str, name: str, span_id: str, seq: int) -> str:
        """An agent turn began in `execution`: the key of its agent's loop watch there."""
        key = f"{execution}/{name}"  # a span id holds no "/"
        turns = run.turn_watches.setdefault(execution, [])
        if not any(known == key for known, _, _, _ in turns):
            turns.append((key, span_id, seq, name))
        return key

    def _repeated(self, run: RunState, event: EventRecord, key: int, calls: int) -> None:
        repeat = self.repeated.get(key)
        if repeat is None:
            self.repeated[key] = Repeat(event.component, event.name, calls, 0.0, run.index << SEQ_BITS | event.seq,
                                        event.span_id)
        else:
            repeat.calls = calls

    def _retry(self, run: RunState, event: EventRecord, op: Op) -> None:
        """A call right after a failed one of the same operation, under one parent: a retry."""
        retry = self.retries.get(op)
        if retry is None:
            self.retries[op] = Retries(run.index << SEQ_BITS | event.seq, event.span_id)
        else:
            retry.retries += 1

    def ended(self, key: int | None, retry: bool | None, op: Op, duration: float | None, failed: bool) -> None:
        """A call ended: a repeat's time counts, and a retry that did not fail recovered."""
        if key is not None:  # set only on a repeat: the first call of its kind is not one
            self.repeated[key].ms += duration or 0.0
        if retry and not failed:
            recovered = self.retries.get(op)
            if recovered is not None:  # None for an end that names another component than its start (a broken file)
                recovered.recovered += 1

    def agent_ended(self, run: RunState, span_id: str, start_seq: int, name: str) -> None:
        """An agent execution ended (or its run did, leaving it open): the loops its watches found, its own and
        its turn agents'."""
        self._found(run, span_id, span_id, start_seq, name, "agent_execution")
        for key, turn_id, turn_seq, agent in run.turn_watches.pop(span_id, ()):
            self._found(run, key, turn_id, turn_seq, agent, "agent_turn")

    def _found(self, run: RunState, key: str, span_id: str, start_seq: int, name: str, kind: str) -> None:
        watch = run.watches.pop(key, None)
        if watch is not None:
            for cycle, repeats, first in watch.finish():
                self.loops.append(LoopSeen(run.index, span_id, start_seq, name, cycle, repeats, first, kind))

    def merge(self, part: PatternsCollector, shift: int, offset: int) -> None:
        """`part`'s patterns after these: its references moved by `shift`, its runs by `offset`; its repeated calls
        keyed apart from these (the calls' identities are each process's hashes)."""
        for key, repeat in part.repeated.items():
            self.repeated[(offset, key)] = replace(repeat, ref=repeat.ref + shift)
        for op, retry in part.retries.items():
            mine = self.retries.get(op)
            if mine is None:
                self.retries[op] = Retries(retry.ref + shift, retry.span_id, retry.retries, retry.recovered)
            else:
                mine.retries += retry.retries
                mine.recovered += retry.recovered
        self.loops += [replace(loop, run=loop.run + offset) for loop in part.loops]
