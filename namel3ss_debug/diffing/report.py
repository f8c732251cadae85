"""The diff report: frozen records that the table, JSON and Markdown views all render.

Field names are the JSON keys of `diff --format json` (schema `namel3ss-debug/diff/v1`); numbers stay
numbers. A change is always NEW minus BASE.
"""

from __future__ import annotations

from typing import Optional

import msgspec

from ..model.lineage import Lineage

DIFF_SCHEMA = "namel3ss-debug/diff/v1"
CHANGED = "changed"  # a divergence at a call both runs made, which ended otherwise (completed, then failed)


class Change(msgspec.Struct, frozen=True):
    """One figure in both runs. `percent` is `delta / base * 100`: 0.0 when both are 0, None when BASE is 0
    and NEW is not (shown `new`) or when either figure is missing (`delta` is then None too, shown `-`)."""

    metric: str
    unit: str  # ms | usd | tokens | count
    base: Optional[float]
    new: Optional[float]
    delta: Optional[float]
    percent: Optional[float]


class RunSide(msgspec.Struct, frozen=True):
    label: str
    run_id: Optional[str]
    status: Optional[str]
    calls: int
    rerun_of: Optional[Lineage] = None  # as analyze says it: the run this one reruns or forks, where it parted
    # how the run turned out, as `analyze`'s health says it (`analysis/failed_run.py` decides a failed run):
    # failing, stopped, degraded or healthy, and the reason that decided it (a failed run's failure line)
    outcome: Optional[str] = None
    outcome_reason: Optional[str] = None


class OperationDelta(msgspec.Struct, frozen=True):
    """A component (`name` None) or an operation, in both runs. `presence`: both | added | removed."""

    operation: str
    component: str
    name: Optional[str]
    presence: str
    count: Change
    errors: Change
    p50_ms: Change
    p95_ms: Change
    max_ms: Change


class CallRef(msgspec.Struct, frozen=True):
    """A call as the views show it: where it is in its run and how it ended."""

    index: int
    seq: int
    key: str  # tool:search#5, as replay names it
    operation: str  # tool:search, agent_turn:researcher: what alignment compares
    depth: int
    parent: Optional[str]  # the enclosing call's key
    status: str
    duration_ms: Optional[float]


class Divergence(msgspec.Struct, frozen=True):
    """The first place where the two call sequences differ, with context.

    `kind` is the first opcode that is not `equal`: `insert` (calls only NEW has), `delete` (only BASE) or
    `replace` (different calls in the same place); or `changed`: the same call in both runs, whose status
    differs (it completed in one and failed in the other), when that comes first. `removed`/`added` hold up
    to `shown` of its calls (for `changed`, the call as each run made it).
    """

    kind: str
    base_index: int
    new_index: int
    before_base: list[CallRef]
    before_new: list[CallRef]
    removed: list[CallRef]
    added: list[CallRef]
    removed_total: int
    added_total: int
    after_base: list[CallRef]
    after_new: list[CallRef]


class OperationCalls(msgspec.Struct, frozen=True):
    operation: str
    base: int
    new: int
    added: int
    removed: int


class CallChanges(msgspec.Struct, frozen=True):
    """The call sequences side by side: how many calls, how many aligned, added and removed (per operation)."""

    base: int
    new: int
    aligned: int
    added: int
    removed: int
    by_operation: list[OperationCalls]  # only operations with a call added or removed
    divergence: Optional[Divergence]
    aligned_by: str  # "sequence" (difflib) or "counts" (a middle too long to align call by call)


class OutputChange(msgspec.Struct, frozen=True):
    """An aligned LLM or tool call whose output (or error, or status) differs between the runs."""

    base: CallRef
    new: CallRef
    inputs_changed: Optional[bool]  # None when either call was recorded without inputs
    base_preview: str
    new_preview: str
    offset: int  # where the two previews first differ (characters); -1 when they do not


class OutputChanges(msgspec.Struct, frozen=True):
    compared: int  # aligned LLM and tool call pairs that both have an output
    changed: int
    items: list[OutputChange]  # the first `limit`


class ThresholdResult(msgspec.Struct, frozen=True):
    """One `--fail-on` expression against the two runs. `change` is in `unit` (`%` or the metric's unit)."""

    expression: str
    metric: str
    operator: str
    limit: float
    unit: str
    metric_unit: str  # of base and new: ms | usd | tokens | count
    base: Optional[float]
    new: Optional[float]
    change: Optional[float]
    crossed: bool
    note: Optional[str]


class DiffReport(msgspec.Struct, frozen=True):
    schema: str
    generated_by: str
    base: RunSide
    new: RunSide
    overview: list[Change]
    components: list[OperationDelta]
    operations: list[OperationDelta]
    calls: CallChanges
    outputs: OutputChanges
    thresholds: list[ThresholdResult]

    @property
    def crossed(self) -> list[ThresholdResult]:
        return [result for result in self.thresholds if result.crossed]

    def kin(self) -> Optional[tuple[str, str, Lineage]]:
        """When one run is a rerun or fork of the other: (`NEW`, `BASE`, NEW's lineage), or the other way round;
        else None."""
        for child, name, parent, parent_name in ((self.new, "NEW", self.base, "BASE"),
                                                 (self.base, "BASE", self.new, "NEW")):
            if child.rerun_of is not None and parent.run_id is not None and child.rerun_of.run_id == parent.run_id:
                return name, parent_name, child.rerun_of
        return None
