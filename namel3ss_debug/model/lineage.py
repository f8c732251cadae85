"""A run's lineage: the run it reruns or forks, and where it parted from that recording.

`replay --rerun` writes the parent into the new run's `run_start.attrs.replay_of` (`run_id`, `trace`, and
for `--fork` a `fork` of `call`, `change` and, for `--model`, `model`); the rerun writes where it parted, the
first call whose answer was not the recording's, into `run_end.attrs.parted` (`call`, `how`). Every view
(`analyze`, `inspect`, `diff`, `report`) reads the lineage here, once:

    lineage = lineage_of(start_attrs, end_attrs)   # None: the run is no rerun
    lineage.run_id, lineage.fork, lineage.parted     # `?` for a parent the rerun did not name

A trace is untrusted input: any field of another type, or missing, is read as unknown (None, or `?` for the
parent's id), never as an error. The strings are the trace's own; a view neutralises them as it shows them.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

UNKNOWN = "?"  # a rerun whose run_start does not name the run it reran
# Named tuples, not dataclasses: `analyze` imports these on every start, and three frozen dataclasses took 3.2 ms
# to define where these take 0.6 ms. The JSON views write their fields by name (`render/json_text.field_names`).


class Fork(NamedTuple):
    """The call a fork changed (`replay --rerun --fork CALL`) and how: `answer`, `ask`, `model`, ...; `model`
    is the model the calls from it on were sent to (`--model`)."""

    call: str
    change: str
    model: str | None = None

    @property
    def change_text(self) -> str:
        """The change as every text view says it: `answer`, `ask`, `model gpt-4o-mini`, `resample`."""
        return self.change if self.model is None else f"{self.change} {self.model}"

    def text(self) -> str:
        """`llm:openai.chat#2 (model gpt-4o-mini)`: the call and the change, as every text view says them."""
        return f"{self.call} ({self.change_text})"


class Parted(NamedTuple):
    """The recorded call where a rerun parted from its recording, and how its answer came: `mocked`,
    `replaced` (at the console), `forked` or `live`."""

    call: str
    how: str


class Lineage(NamedTuple):
    """Where a run comes from: the parent run's id and trace (as the rerun was given it), the fork, and
    where it parted (None: not recorded, or the rerun never parted)."""

    run_id: str
    trace: str | None = None
    fork: Fork | None = None
    parted: Parted | None = None

    def said(self, escape: Callable[[str], str] = str) -> str:
        """What every text view says of the lineage, the trace's text through the view's `escape`: `rerun of R`,
        or `fork of R at llm:openai.chat#2 (answer)`, then `, parted at llm:openai.chat#2 (forked)` when the
        rerun recorded where it parted."""
        fork, parted = self.fork_text(), self.parted_text()
        text = f"rerun of {escape(self.run_id)}" if fork is None else f"fork of {escape(self.run_id)} at {escape(fork)}"
        return text if parted is None else f"{text}, parted at {escape(parted)}"

    def parted_text(self) -> str | None:
        """`llm:openai.chat#2 (forked)`: where it parted, as every text view says it; None if unknown."""
        return None if self.parted is None else f"{self.parted.call} ({self.parted.how})"

    def fork_text(self) -> str | None:
        """`llm:openai.chat#2 (model gpt-4o-mini)`: the fork's call and change; None for a plain rerun."""
        return None if self.fork is None else self.fork.text()


def lineage_of(start_attrs: object, end_attrs: object = None) -> Lineage | None:
    """The lineage a run's `run_start` attrs and `run_end` attrs say (the end's may be None: an unfinished
    run); None for a run that is no rerun (no `replay_of` object in its start)."""
    replay_of = _field(start_attrs, "replay_of")
    if not isinstance(replay_of, dict):
        return None
    run_id = _text(replay_of, "run_id")
    return Lineage(run_id if run_id is not None else UNKNOWN, _text(replay_of, "trace"),
                   fork_of(_field(replay_of, "fork")), _parted(_field(end_attrs, "parted")))


def fork_of(value: object) -> Fork | None:
    """The fork a `replay_of.fork` object names, whatever its JSON shape; None unless it has a call and a change."""
    call, change = _text(value, "call"), _text(value, "change")
    if call is None or change is None:
        return None
    return Fork(call, change, _text(value, "model"))


def _parted(value: object) -> Parted | None:
    call, how = _text(value, "call"), _text(value, "how")
    return None if call is None or how is None else Parted(call, how)


def _field(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, dict) else None


def _text(value: object, key: str) -> str | None:
    found = _field(value, key)
    return found if isinstance(found, str) else None
