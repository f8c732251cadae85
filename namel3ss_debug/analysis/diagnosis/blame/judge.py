"""The blame of a failed run: the responsible agent, the decisive step (the earliest step whose correction would
most likely have changed the outcome) and the chain of steps from it to the failure, each with its evidence.

A run failed (`failure_of`, by the one definition in `analysis/failed_run.py`) when an error escaped it (its
`run_end` says `failed`), when it exited with a code other than 0, or when a critical finding says it gave up
(`apology_after_failure`, `turn_limit`, `context_overflow`). A failure judged outside the run (a failed check, an
`--expect` rule) is handed in by `diagnose`. The steps read are those the pass kept (`RunClues.opening`, `recent`,
`errors`), and a value is traced to its first writer over the whole run: the numbers, quoted terms and tool-call
values of every step's output are noted as it ends (`writers.py`, bounded), names through the kept steps only; a
text is matched as `provenance.py` says (case and runs of white space ignored, whole words).

The rules, tried in this order; the first that points at a step gives the blame (`error.py` is rule 1,
`answer.py` rule 4, `fallback.py` rule 5):

1. **An error** (`error.py`; for a failed check, only when the check shows at an error, its first event
   being one: a check of the run's cost or latency is not caused by an error elsewhere). The error followed is
   the one the run ended with (same type and message), else the last error up to the failure (up to the end of
   the step it shows at) that nothing recovered from (no call of the same operation completed after it ended).
   It began, of the steps that failed with it, at the one that ended first (a tool ends before the agent it
   fails on its way out; a tool that failed the same way several times, the first time); an error reported
   inside a call (`error_occurred` under it) is that call's; an error raised outside any call (the app's, a
   framework's) began at the call that failed last before it, when one did. Rule 4 goes first
   (`error.went_past`) when the run did not end by raising the error (its end failed with no error of its
   own, or the failure is a failed expectation), the error is a tool's (a code execution's), and a model call and
   the run's product (a final answer, or the file its task named) came after it: the run went on past it, and
   what it produced is what failed; the error is a runner-up.
   - *A tool raised.* A tool that failed on its own (a timeout, the network, a dependency, a resource, auth, a
     rate limit: `model/error_category.py`) is decisive itself. A tool that ran a file the run wrote
     (`product.py`: a file an LLM answer asked a tool to write before, `notes/products.py`, whose name, with an
     extension, the error names, else the tool's arguments; of several, the one written first; not when the tool
     is itself a write) raised on the file's content: the write that made its content (`products.Wrote.made`)
     when that came before the tool ran, else its first write, is decisive, its last write before the tool
     on the chain. Otherwise the LLM step
     that asked for it (`Step.asked_by`, else the previous LLM step of the tool's agent) passed the arguments it
     raised on; the values traced are the arguments' strings and numbers: those the error message marks as wrong
     (`provenance.WRONG_CUES`: `got 12`, `invalid currency 'XXX'`, `input_value=12`, `'X' is not a valid ...`, a
     message that is the value alone), else those it holds, else all of them. Each is traced to its first
     writer before the model's ask, over the whole run: the run's input (a user's step, an agent named user or
     human; else what the run was given up to its first LLM request, `Given.holds_input`, when no user's step
     wrote it later) is decisive, the user's step or the run's first LLM call, under the agent `user`
     (`error.value_from_input`, its `why` saying to validate that input, not to fix the model); else an earlier
     tool's result (`error.value_from_tool`) or a step of *another* agent (an answer's text, the arguments of a
     tool call it asked for, an agent turn's output: `error.value_from_agent`, a planner that wrote 'Paris, FR');
     else the model made it up, the LLM step that asked (`error.value_made_up`; its own agent's earlier words do
     not move it). The chain: the writer, the handoff from its agent to the model's (the first
     `RunClues.handoffs` entry between them, when one), the model that passed the value, the tool that raised,
     the failure. A tool no LLM step is known to have asked for is decisive itself.
   - *An LLM call failed.* The step that made it inevitable, when a finding of warning or critical severity
     beginning before it shows one: for a rate limit, the first call of a `rate_limit_burst` or
     `retry_without_backoff` finding; for any other error but a tool's own faults (a context overflow), of a
     `prompt_growth` or `context_near_limit` finding; the earliest such finding. Else the failed call itself.
   - *An error raised outside any call*, with no call failed before it (a turn limit, an answer the app or a
     framework refused): the earliest cause finding (rule 2) that begins before it, else the model's last answer
     before it (the last LLM call, of the error's agent when it ran in one); else the error
     itself.
2. **A finding that shows a cause.** With no error to follow, the finding of severity warning or critical that
   begins earliest (first evidence's seq; then the more severe, then `KINDS` order), leaving out those that show
   the failure itself (the three kinds above that say the run gave up, `swallowed_error` and `answer_gives_up`),
   the opportunities
   (`parallelizable_calls`, `cacheable_calls`) and, but for a failed check, what the run spends
   (`dominant_cost`, `dominant_latency`, `slow_tool_on_critical_path`: a cost is no cause of an error or a wrong
   answer): its first evidence is decisive, its last is on the chain.
3. **A finding on the chain.** `Blame.finding` names the kind of the finding the rule went by (rules 1 and 2),
   else of the first finding (warning or critical, in the diagnosis's order) whose evidence is the earliest step
   of the chain that any such finding holds (the same span, or the same seq for evidence without one); that
   link's why names it.
4. **What the run produced**: the file its task named, else the final answer's content (never for a failed check,
   which judges the run's figures, not what the run produced).
   - *The file the task named* (`product.py`; not for a failed expectation, which judges the answer): a file
     an LLM answer asked a tool to write (`products.py`: arguments that name a file and carry a content that is not
     blank) whose name, with an extension, the run was given (`RunClues.given`: `the solution file you write
     should be named as "solution.py"`) is what the run produced, and its final answer only reports it. The write
     that made the content of the earliest written such file is decisive: its first write, or the last
     write of its whole text whose text differed from the one before it (`products.Wrote.made`); its last write
     is on the chain; its first write, when a later one replaced it, and the step rule 4's final answer reading
     points at (below), when one, are runners-up (`BlameVerdict.also`).
   - *The final answer's content* (`answer.py`; a failed expectation, a run of agent turns with no error
     recorded). The answer (`final_text`, at `final_seq`) holds decisive content: its numbers of two digits or more,
     else its quoted terms, else its capitalised names (a single word that only begins a sentence is not one; leading
     words such as "The" are dropped), leaving out what the failed expectation wanted (the TEXT of `contains:TEXT` or
     `equals:TEXT` in the failure, up to `diagnose`'s " not met (") and what the run was given (`RunClues.given`,
     `given.py`: the outermost agent's inputs, a user's turn whole, the run's first LLM request; a step of an agent
     named user or human; and, with no such step, in a trace whose first step is an LLM call, the names that first
     answer wrote, as it restates the user's message): the task is not a fault. Of the most decisive kind present, each
     term is traced to the earliest step before the final answer, the user's left out, whose output holds it. A term an
     answer or a tool call's arguments wrote first was introduced there: the earliest such step is decisive, and the
     last step before the final answer that repeated the term is on the chain. A term that appears
     nowhere earlier was introduced by the final answer: the final step is decisive. When every term came
     first from a tool's result, no step introduced it: a result whose terms of that kind the answer all holds was
     passed on as it was (the tool is decisive, as an introduction); one that held
     more was picked from by the final step, which is decisive, the tool a runner-up (`BlameVerdict.also`). A final
     answer with no such content left points nowhere.
5. **A reading of the run** (`fallback.py`), when no rule above points at a step: the step of another agent
   whose words the final answer restates, the final answer's step, the tool result it drew on; with no final
   answer, the last LLM answer; for a check, the step it shows at or the spender its figure is about; its `why`
   beginning "no rule points at a step:". Only a run with no LLM or tool call and no agent turn (a user's left
   out) has no step: step None, no chain, `why` saying so.

How sure a blame is (`confidence`) is not the rule's say: each verdict names its path (`BlameVerdict.path`), and the
path's figures on the labelled public corpus (`measured.py`, system by system) give its level and, between two
measured paths that point at different steps, which goes first (`calibration.py`). A path not measured is `low`.

The chain always ends with the failure: the step at the failure's seq (else the final answer for an expectation or
a check, else the run's end).

Candidates (`Blame.candidates`): the decisive step, then up to `RUNNERS_UP` runners-up, each a step of its own,
for a user (or `bisect`, `verify`, a fork) to try in turn: first the steps the later rules point at (every rule is
tried; each points at one step, in the rules' order), then the chain's propagated steps (what the decisive step
led to: the model that passed a value on), `low`. Each says the rule that points at it and why it
ranks where it does.
"""

from __future__ import annotations

from typing import Optional, Sequence

from ...failed_run import FINDING, RUN, ended_as, run_failure
from ...records.refs import Ref
from .answer import by_content
from .chain import Link, BlameVerdict, BlameView, cause, from_finding
from .error import by_error, went_past
from .fallback import NO_STEP, fallback_verdicts
from .calibration import Table, level_of, ordered
from .measured import MEASURED
from ...records.findings import Blame, BlameLink, BlameCandidate, Evidence, BlamedFailure, Finding
from ..notes.steps import RunClues


def failure_of(run: RunClues, findings: Sequence[Finding]) -> BlamedFailure | None:
    """The run's own failure (`analysis/failed_run.py`: its status, exit code, an unhandled error, or a finding
    that it gave up), or None (for a run its rerun stopped too)."""
    own = [finding for finding in findings if finding.run_id == run.run_id]
    failed = run_failure(ended_as(run.status, run.end_error_type)[0], run.exit_code, own, _ended(run))
    if failed is None:
        return None
    if not isinstance(failed.finding, Finding):
        return BlamedFailure(run.run_id, failed.what, RUN, run.end_seq)
    seq = max((item.ref.seq for item in failed.finding.evidence), default=None)
    return BlamedFailure(run.run_id, failed.what, FINDING, seq)


def _ended(run: RunClues) -> str:
    """`run ended failed with KeyError: 'Paris, FR'`, `run exited with code 2`."""
    said = f"run ended {run.status}" if run.status == "failed" else f"run exited with code {run.exit_code}"
    if run.end_error_type:
        said += f" with {run.end_error_type}" + (f": {run.end_error_message}" if run.end_error_message else "")
    return said


RUNNERS_UP = 2  # candidates after the decisive step
RULES = {1: "an error", 2: "a finding that shows a cause", 4: "the final answer's content", 5: "a reading of the run"}


def blame_run(run: RunClues, failure: BlamedFailure, findings: Sequence[Finding], table: Table = MEASURED) -> Blame:
    """Who and where for `failure`; agent and step None ("unknown") when the evidence points nowhere. `table`: each
    path's measured figures (`calibration.py`), which set the order of the rules' steps and their levels."""
    view = BlameView(run)
    own = [finding for finding in findings if finding.run_id == run.run_id]
    found = rule_verdicts(view, failure, own)
    if not found:
        found = [(5, verdict) for verdict in fallback_verdicts(view, failure)]
        if not found:
            return Blame(run.run_id, failure.what, None, None, "low", NO_STEP)
    rules_order = [rule for rule, _ in found]
    found = ordered(found, [verdict.path for _, verdict in found], table)
    for _, verdict in found:
        verdict.confidence = level_of(verdict.path, table)
    first = "is the first rule that points at a step" if [rule for rule, _ in found] == rules_order else \
        "goes first: its path named the labelled step the most often on the labelled corpus"
    if found[0][0] == 1 and found[-1][0] == 4 and went_past(view, failure):
        found.insert(0, found.pop())
        first = "goes first: the run went on past rule 1's error to what it produced"
    rule, verdict = found[0]
    _name_finding(verdict, own)
    links = [*verdict.links, Link(_failure_evidence(view, failure), "failure", _failure_why(failure))]
    decisive = links[0].evidence
    return Blame(run.run_id, failure.what, decisive.agent, decisive, verdict.confidence, verdict.why,
                 [BlameLink(link.evidence, link.role, link.why) for link in links], verdict.finding,
                 _candidates(rule, verdict, found[1:], first), verdict.path)


def rule_verdicts(view: BlameView, failure: BlamedFailure, own: list[Finding]) -> list[tuple[int, BlameVerdict]]:
    """What each rule points at, in the rules' order: (rule, verdict), for those that point at a step."""
    by_error_found = by_error(view, failure, own)
    return [(rule, verdict) for rule, verdict in ((1, by_error_found), (2, _by_finding(failure, own, by_error_found)),
                                                  (4, by_content(view, failure))) if verdict is not None]


def _candidates(rule: int, verdict: BlameVerdict, others: list[tuple[int, BlameVerdict]],
                first: str) -> list[BlameCandidate]:
    """The decisive step, then up to RUNNERS_UP other steps: those the other rules point at, then what the
    decisive step led to on the chain; `first`: why the decisive step's rule ranks first."""
    decisive = verdict.links[0].evidence
    ranked = [BlameCandidate(decisive, decisive.agent, verdict.confidence, verdict.why,
                             f"rule {rule} ({RULES[rule]}) {first}", verdict.path)]
    for later, other in others:
        step = other.links[0].evidence
        # rule 5 gives several readings: the others rank after the one that went first
        after = f"rule {rule} ({RULES[rule]})" if later != rule else f"its reading {verdict.path}"
        ranked.append(BlameCandidate(step, step.agent, other.confidence, other.why,
                                     f"rule {later} ({RULES[later]}) points here"
                                     f"{f' ({other.path})' if later == rule else ''}, and ranks after {after}",
                                     other.path))
    for link in verdict.also:
        ranked.append(BlameCandidate(link.evidence, link.evidence.agent, "low", link.why,
                                     f"named by rule {rule} ({RULES[rule]}) beside the decisive step",
                                     f"{verdict.path}.also"))
    for link in verdict.links[1:]:
        if link.role == "propagated":
            ranked.append(BlameCandidate(link.evidence, link.evidence.agent, "low", link.why,
                                         f"on the chain after the decisive step: what it led to ({RULES[rule]})",
                                         f"{verdict.path}.propagated"))
    kept: list[BlameCandidate] = []
    for candidate in ranked:
        if not any(_same_place(candidate.step, taken.step) for taken in kept):
            kept.append(candidate)
    return kept[:1 + RUNNERS_UP]


# -- rule 2: a finding that shows a cause -----------------------------------------------------------------------
def _by_finding(failure: BlamedFailure, findings: list[Finding],
                by_error: Optional[BlameVerdict]) -> Optional[BlameVerdict]:
    """Rule 2's verdict; `by_error`: rule 1's, when it pointed at a step (rule 2's is then a runner-up)."""
    found = cause(findings, None, spending=failure.source == "check")
    if found is None:
        return None
    return from_finding(found, "rule 2:" if by_error is not None else "rule 2: no error explains the failure;",
                        "finding")


# -- rule 3: the finding on the chain ---------------------------------------------------------------------------
def _name_finding(verdict: BlameVerdict, findings: list[Finding]) -> None:
    """The kind of the finding the earliest step of the chain bears, named on that link and on the verdict."""
    for link in verdict.links:
        bearing = next((finding for finding in findings if finding.severity != "info"
                        and any(_same_place(item, link.evidence) for item in finding.evidence)), None)
        if bearing is not None:
            verdict.finding = verdict.finding or bearing.kind
            if bearing.kind not in link.why:
                link.why += f" (finding: {bearing.kind})"
            return


def _same_place(one: Evidence, other: Evidence) -> bool:
    if one.ref.span_id and other.ref.span_id:
        return one.ref.span_id == other.ref.span_id
    return one.ref.seq == other.ref.seq


# -- the failure ------------------------------------------------------------------------------------------------
def _failure_evidence(view: BlameView, failure: BlamedFailure) -> Evidence:
    run = view.run
    seq = failure.seq
    if seq is None:
        seq = run.final_seq if failure.source in ("expect", "check") and run.final_seq is not None else run.end_seq
    step = view.by_seq.get(seq) if seq is not None else None
    if step is not None:
        return view.evidence(step, failure.what)
    return Evidence(Ref(run.run_id, seq if seq is not None else 0, "", "app", "run", "run"), failure.what)


def _failure_why(failure: BlamedFailure) -> str:
    return {"run": "the run ended failed",
            "finding": "the run gave up",
            "check": "the check failed on the run",
            "expect": "the final answer breaks the expectation"}.get(failure.source, "the run failed")
