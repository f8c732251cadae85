"""Two run profiles in, one `DiffReport` out: figures side by side, the calls aligned, outputs compared."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Optional, Sequence

from .._version import __version__
from ..analysis.records.report import OperationStats, Report
from ..model.choices import DIFF_CONTEXT as CONTEXT
from .align import Alignment, added_and_removed, align
from .call_table import CompactCall
from .calls import COMPARED_COMPONENTS, CallSequence
from .figures import RUN_METRICS, STATS, change, label, run_figure
from .previews import inputs_fingerprint, preview_of
from .profile import RunProfile
from .report import (
    CHANGED, DIFF_SCHEMA, CallChanges, CallRef, Change, DiffReport, Divergence, OperationCalls, OperationDelta,
    OutputChange, OutputChanges, RunSide,
)
from .thresholds import Threshold, evaluate

# CONTEXT, the calls shown before and after the first divergence, is in model/choices.py (`diff --help` shows it)
SHOWN = 5  # calls of the divergence itself shown, on each side
OUTPUTS_SHOWN = 20
PREVIEW_SHOWN = 120  # characters of each output shown, from a little before where the two first differ
_LEAD = 30


def diff_runs(base: RunProfile, new: RunProfile, thresholds: Sequence[Threshold] = (), *,
              context: int = CONTEXT, outputs_shown: int = OUTPUTS_SHOWN) -> DiffReport:
    """What changed from `base` to `new`; each threshold evaluated (see `thresholds.evaluate`)."""
    operations = base.calls.calls.operations(), new.calls.calls.operations()
    alignment = align_calls(base.calls, new.calls, operations)
    return DiffReport(
        schema=DIFF_SCHEMA, generated_by=f"namel3ss-debug {__version__}",
        base=_side(base), new=_side(new),
        overview=overview_changes(base.report, new.report),
        components=operation_deltas(base.report.components or [], new.report.components or []),
        operations=operation_deltas(base.report.operations or [], new.report.operations or []),
        calls=call_changes(base.calls, new.calls, operations, alignment, context),
        outputs=output_changes(base.calls, new.calls, alignment, outputs_shown),
        thresholds=[evaluate(threshold, base.report, new.report) for threshold in thresholds])


def align_calls(base: CallSequence, new: CallSequence,
                operations: Optional[tuple[list[str], list[str]]] = None) -> Alignment:
    """The two runs' calls aligned by operation, parting where an operation or a call's status first differs
    (`align.py`); `operations`, each run's calls' operations, when the caller has them already."""
    if operations is None:
        operations = base.calls.operations(), new.calls.operations()
    return align(*operations, statuses=(base.calls.statuses(), new.calls.statuses()))


def overview_changes(base: Report, new: Report) -> list[Change]:
    return [change(metric, unit, run_figure(base, metric), run_figure(new, metric))
            for metric, (_, unit) in RUN_METRICS.items()]


def operation_deltas(base: Iterable[OperationStats], new: Iterable[OperationStats]) -> list[OperationDelta]:
    """One row per component or operation with a span in either run; the largest p95 change first.

    A component of instant events only (memory, custom markers) has no latency to compare and no row.
    """
    before = {label(row): row for row in base if row.count}
    after = {label(row): row for row in new if row.count}
    rows = [_operation_delta(key, before.get(key), after.get(key)) for key in {**before, **after}]
    return sorted(rows, key=lambda row: (-_weight(row.p95_ms), row.operation))


def _operation_delta(key: str, base: Optional[OperationStats], new: Optional[OperationStats]) -> OperationDelta:
    row = new or base
    assert row is not None
    presence = "both" if base and new else ("added" if new else "removed")

    def figure(stat: str) -> Change:
        field = STATS[stat][0]
        assert field is not None  # p50, p95 and max, each a latency field (only count has none)
        values = [getattr(r.latency, field) if r is not None else None for r in (base, new)]
        return change(stat, "ms", *values)

    def counted(attribute: str) -> Change:
        return change(attribute, "count", *(float(getattr(r, attribute)) if r else 0.0 for r in (base, new)))

    return OperationDelta(key, row.component, row.name, presence, counted("count"), counted("errors"),
                          figure("p50"), figure("p95"), figure("max"))


def _weight(figure: Change) -> float:
    if figure.delta is not None:
        return abs(figure.delta)
    return abs(figure.base or figure.new or 0.0)


def call_changes(base: CallSequence, new: CallSequence, operations: tuple[list[str], list[str]],
                 alignment: Alignment, context: int) -> CallChanges:
    """Calls added and removed, in all and per operation (`operations`: each run's calls' operations, which
    `alignment` aligned), and the first divergence."""
    added, removed = added_and_removed(alignment, *operations)
    counts_base, counts_new = Counter(operations[0]), Counter(operations[1])
    by_operation = [OperationCalls(key, counts_base[key], counts_new[key], added[key], removed[key])
                    for key in sorted(set(added) | set(removed))]
    aligned = sum(i2 - i1 for tag, i1, i2, _, _ in alignment.opcodes if tag == "equal")
    return CallChanges(len(base.calls), len(new.calls), aligned, sum(added.values()), sum(removed.values()),
                       by_operation, divergence(base, new, alignment, context), alignment.aligned_by)


def divergence(base: CallSequence, new: CallSequence, alignment: Alignment, context: int) -> Optional[Divergence]:
    """The first opcode that is not `equal`, its calls (up to `SHOWN`) and `context` calls around it; or the
    first pair of calls whose status changed (`changed`: the same call, ended otherwise), when that comes first."""
    first = alignment.first_change()
    if first is None:
        return None
    tag, i1, i2, j1, j2 = first
    return Divergence(
        kind=CHANGED if alignment.changed else tag, base_index=i1, new_index=j1,
        before_base=_refs(base, max(0, i1 - context), i1), before_new=_refs(new, max(0, j1 - context), j1),
        removed=_refs(base, i1, min(i2, i1 + SHOWN)), added=_refs(new, j1, min(j2, j1 + SHOWN)),
        removed_total=i2 - i1, added_total=j2 - j1,
        after_base=_refs(base, i2, i2 + context), after_new=_refs(new, j2, j2 + context))


def output_changes(base: CallSequence, new: CallSequence, alignment: Alignment, shown: int) -> OutputChanges:
    """Aligned LLM and tool calls whose output (or error) or status differs. Calls recorded without an
    output on either side are not compared."""
    compared, changed = 0, 0
    items: list[OutputChange] = []
    left, right = base.calls, new.calls
    for i, j in alignment.pairs():
        if left.component_of(i) not in COMPARED_COMPONENTS:
            continue
        (left_output, left_status), (right_output, right_status) = left.output_key(i), right.output_key(j)
        both = left_output is not None and right_output is not None
        compared += both
        if (both and left_output != right_output) or left_status != right_status:
            changed += 1
            if len(items) < shown:
                items.append(_output_change(base, new, left[i], right[j]))
    return OutputChanges(compared, changed, items)


def _output_change(base: CallSequence, new: CallSequence, left: CompactCall, right: CompactCall) -> OutputChange:
    left_inputs, right_inputs = inputs_fingerprint(left), inputs_fingerprint(right)
    inputs = None if left_inputs is None or right_inputs is None else left_inputs != right_inputs
    left_text, right_text = preview_of(left), preview_of(right)
    offset = first_difference(left_text, right_text)
    start = max(0, offset - _LEAD) if offset >= 0 else 0
    return OutputChange(call_ref(base, left), call_ref(new, right), inputs,
                        window(left_text, start), window(right_text, start), offset)


def first_difference(left: str, right: str) -> int:
    """The index of the first character that differs (the shorter one's length if one starts the other);
    -1 when they are equal.

    >>> first_difference("abc", "abd"), first_difference("ab", "abc"), first_difference("a", "a")
    (2, 2, -1)
    """
    if left == right:
        return -1
    return next((i for i, (a, b) in enumerate(zip(left, right)) if a != b), min(len(left), len(right)))


def window(text: str, start: int, width: int = PREVIEW_SHOWN) -> str:
    """`width` characters of `text` from `start`, with `…` where text was left out on either side."""
    shown = text[start: start + width]
    return ("…" if start else "") + shown + ("…" if start + width < len(text) else "")


def call_ref(sequence: CallSequence, call: CompactCall) -> CallRef:
    parent = sequence.parent_of(call)
    return CallRef(call.index, call.seq, call.key, call.operation, call.depth,
                   parent.key if parent is not None else None, call.status, call.duration_ms)


def _refs(sequence: CallSequence, start: int, stop: int) -> list[CallRef]:
    return [call_ref(sequence, call) for call in sequence.calls[start:stop]]


def _side(profile: RunProfile) -> RunSide:
    runs = profile.report.overview.runs if profile.report.overview else []
    health = profile.report.health
    reason = None if health is None else health.failure or next(iter(health.reasons), None)
    return RunSide(profile.label, profile.calls.run_id, runs[0].status if runs else None, len(profile.calls.calls),
                   runs[0].rerun_of if runs else None, health.verdict if health is not None else None, reason)
