"""The blame of a failed run: the responsible agent, the decisive step (the earliest step whose correction would
most likely have changed the outcome) and the chain of steps from it to the failure, each with its evidence.

A run failed (`failure_of`) when it ended `failed` or with a non-zero exit code, when an error escaped the app
(`analysis/handling.py`: the run ended failed with it), or when a critical finding says it gave up
(`apology_after_failure`, `swallowed_error`, `turn_limit`, `context_overflow`). A failure judged outside the run
(a failed check, an `--expect` rule) is handed in by `diagnose`.

The rules, tried in this order; the first that points at a step gives the blame:

1. **An error.** The error the failure is about is the one the run ended with (its type and message), else the last
   error before the failure that nothing recovered from (no later call of the same operation completed), where
   it began: of the steps that failed with it, the one that ended first (a tool, before the agent it failed on its
   way out); of a tool that failed the same way several times, the first time.
   - *A tool raised.* A tool that failed on its own (a timeout, the network, a dependency, a resource, auth, a
     rate limit) is decisive itself. Otherwise the LLM step that asked for it (`Step.asked_by`, else the previous
     LLM step of the same agent) passed it the arguments it raised on: the values the error message names first.
     If such a value was written earlier by a step of *another* agent (its answer, its output, the arguments of a
     call it asked for, a tool's result), the earliest such step is decisive and its agent responsible (a planner
     that wrote 'Paris, FR'); if not, or if the earliest writer is the user (an agent named user or human), the
     LLM step that passed it on is decisive. The chain: the writer, the model that passed the value, the tool
     that raised, the failure. Confidence high when the error names the value, medium when it does not; a tool
     no LLM step asked for is decisive itself, with low confidence.
   - *An LLM call failed.* The step that made it inevitable, when a finding shows one: the first call of a
     `prompt_growth` or `context_near_limit` finding (a context overflow), of a `rate_limit_burst` or
     `retry_without_backoff` finding (a rate limit), before the failed call; else the failed call itself
     (medium).
   - *Any other step failed* (an agent turn, an app's error): that step, with low confidence.
2. **A finding that shows a cause.** With no error to follow, the finding of severity warning or critical that
   begins earliest (not an effect, `apology_after_failure` or `swallowed_error`, nor an opportunity,
   `parallelizable_calls` or `cacheable_calls`): its first evidence is decisive, its last on the chain; the
   finding's confidence, at most medium.
3. **A finding on the chain.** `Blame.finding` names the kind of the finding (warning or critical) that the
   earliest step of the chain bears, and that link's why names it.
4. **The final answer's content** (a failed expectation, a run of agent turns with no error recorded; never a
   check, which judges the run's figures, not its answer). The answer's decisive content is its numbers (of two
   digits or more), then its quoted terms, then its capitalised names (a single word that only begins a sentence
   is not one), without what the failed expectation wanted (`contains:`/`equals:` in the failure) and without what
   the user wrote (the task is not a fault). Of the most decisive kind present, each term is traced to the
   earliest step before the final answer whose output holds it; the earliest of those steps is decisive. A term
   that appears nowhere earlier was introduced by the final answer: the final step is decisive (low confidence).
   Confidence medium when an earlier step introduced a number or a quoted term, low otherwise. A final answer
   with no such content left points nowhere.

When no rule points at a step the blame is unknown: agent and step None, confidence low, and `why` says what was
looked at (the errors, the findings, the final answer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from ...model.error_category import categorize
from ..refs import Ref
from . import provenance
from .provenance import Term, holds, terms_of, values_of
from .records import CONFIDENCES, KINDS, Blame, BlameLink, Evidence, Failure, Finding
from .rules.evidence import agent_name, evidence
from .steps import RunClues, Step

GAVE_UP = ("apology_after_failure", "swallowed_error", "turn_limit", "context_overflow")  # critical: it gave up
EFFECTS = frozenset({"apology_after_failure", "swallowed_error"})  # findings that show a failure, not its cause
OPPORTUNITIES = frozenset({"parallelizable_calls", "cacheable_calls"})
OWN_FAULTS = frozenset({"timeout", "network", "dependency", "resource", "auth", "rate_limit"})  # not the arguments
LLM_CAUSES = {"rate_limit": ("rate_limit_burst", "retry_without_backoff")}
GROWTH_CAUSES = ("prompt_growth", "context_near_limit")
USERS = frozenset({"user", "human", "user_proxy", "userproxy", "human_proxy", "humanproxy"})
NOTE_CHARS = 80  # a text quoted in an evidence note


@dataclass
class Link:
    """One link of a chain being built: its evidence, role and why."""

    evidence: Evidence
    role: str
    why: str


@dataclass
class Verdict:
    """What a rule found: the chain (decisive step first), how sure it is, and the rule's why."""

    links: list[Link]
    confidence: str
    why: str
    finding: Optional[str] = None
    extra: dict[str, str] = field(default_factory=dict)


class View:
    """The run's steps the pass kept (opening, recent, errors), once each, in seq order."""

    def __init__(self, run: RunClues):
        self.run = run
        kept = {step.seq: step for step in (*run.opening, *run.errors, *run.recent)}
        self.steps = [kept[seq] for seq in sorted(kept)]
        self.by_seq = kept
        self.by_span = {step.span_id: step for step in self.steps if step.kind != "error_occurred"}

    def agent(self, step: Step) -> Optional[str]:
        """The name of the agent `step` ran in; an agent turn in no agent span is its agent's (it bears its name)."""
        return agent_name(step, self.run) or (step.name if step.kind == "agent_turn" else None)

    def party(self, step: Step) -> str:
        """Who wrote a step, for telling agents apart: the agent's name, else its span id."""
        return self.agent(step) or step.agent

    def is_user(self, step: Step) -> bool:
        return (self.agent(step) or "").casefold() in USERS

    def evidence(self, step: Step, note: str) -> Evidence:
        found = evidence(step, self.run, note)
        return found if found.agent is not None or step.kind != "agent_turn" else \
            Evidence(found.ref, note, found.address, agent=self.agent(step))

    def recovered(self, error: Step, limit: Optional[int]) -> bool:
        """Whether a later call of the failed step's operation completed (before `limit`)."""
        return any(step.seq > error.seq and (limit is None or step.seq <= limit) and step.status == "completed"
                   and (step.component, step.name) == (error.component, error.name) for step in self.steps)


def failure_of(run: RunClues, findings: Sequence[Finding]) -> Failure | None:
    """The run's own failure (its status, exit code, an unhandled error, or a finding that it gave up), or None."""
    if run.status == "failed" or run.exit_code not in (None, 0):
        return Failure(run.run_id, _ended(run), "run", run.end_seq)
    gave_up = [finding for finding in findings if finding.run_id == run.run_id and finding.severity == "critical"
               and finding.kind in GAVE_UP]
    if not gave_up:
        return None
    finding = min(gave_up, key=lambda item: GAVE_UP.index(item.kind))
    seq = max((item.ref.seq for item in finding.evidence), default=None)
    return Failure(run.run_id, finding.title, "finding", seq)


def _ended(run: RunClues) -> str:
    """`run ended failed with KeyError: 'Paris, FR'`, `run exited with code 2`."""
    said = f"run ended {run.status}" if run.status == "failed" else f"run exited with code {run.exit_code}"
    if run.end_error_type:
        said += f" with {run.end_error_type}" + (f": {run.end_error_message}" if run.end_error_message else "")
    return said


def blame_run(run: RunClues, failure: Failure, findings: Sequence[Finding]) -> Blame:
    """Who and where for `failure`; agent and step None ("unknown") when the evidence points nowhere."""
    view = View(run)
    own = [finding for finding in findings if finding.run_id == run.run_id]
    verdict = _by_error(view, failure, own) or _by_finding(view, own) or _by_content(view, failure)
    if verdict is None:
        return Blame(run.run_id, failure.what, None, None, "low", _nothing(view, failure, own))
    _name_finding(verdict, own)
    links = [*verdict.links, Link(_failure_evidence(view, failure), "failure", _failure_why(failure))]
    decisive = links[0].evidence
    return Blame(run.run_id, failure.what, decisive.agent, decisive, verdict.confidence, verdict.why,
                 [BlameLink(link.evidence, link.role, link.why) for link in links], verdict.finding)


# -- rule 1: an error ------------------------------------------------------------------------------------------
def _by_error(view: View, failure: Failure, findings: list[Finding]) -> Optional[Verdict]:
    origin = _origin(view, failure)
    if origin is None:
        return None
    within = view.by_span.get(origin.parent_id or "") if origin.kind == "error_occurred" else None
    origin = within if within is not None and within.component in ("tool", "llm") else origin  # reported in a call
    if origin.component == "tool" and origin.kind != "error_occurred":
        return _tool_raised(view, origin)
    if origin.component == "llm":
        return _llm_failed(view, origin, findings)
    note = f"failed with {_error(origin)}"
    return Verdict([Link(view.evidence(origin, note), "decisive", f"the error began here, in {origin.name}")],
                   "low", f"rule 1: the error began in {origin.component} {origin.name} (seq {origin.seq}), "
                   "which is neither a tool nor an LLM call")


def _origin(view: View, failure: Failure) -> Optional[Step]:
    """Where the failure's error began: see the module's rule 1."""
    run = view.run
    limit = failure.seq if failure.seq is not None else run.end_seq
    errors = [step for step in run.errors if limit is None or step.seq <= limit]
    pool = [step for step in errors if run.end_error_type and _same(step, run.end_error_type, run.end_error_message)]
    pool = [step for step in pool if not view.recovered(step, limit)] or pool
    if not pool:
        unrecovered = [step for step in errors if not view.recovered(step, limit)]
        if not unrecovered:
            return None
        last = max(unrecovered, key=lambda step: step.seq)
        pool = [step for step in unrecovered if _same(step, last.error_type, last.error_message)]
    return min(pool, key=lambda step: (step.end_seq if step.end_seq is not None else step.seq, step.seq))


def _same(step: Step, kind: Optional[str], message: Optional[str]) -> bool:
    """Whether `step` failed with this error (messages cut to different lengths match on the shorter)."""
    if step.error_type != kind:
        return False
    mine, theirs = step.error_message or "", message or ""
    return not mine or not theirs or mine.startswith(theirs) or theirs.startswith(mine)


def _tool_raised(view: View, tool: Step) -> Verdict:
    raised = view.evidence(tool, f"{tool.name} raised {_error(tool)}")
    category = tool.error_category or categorize(tool.error_type or "Error", tool.error_message or "")
    if category in OWN_FAULTS:
        return Verdict([Link(raised, "decisive", f"{tool.name} failed on its own ({category})")], "medium",
                       f"rule 1: {tool.name} failed with a {category} error, which its arguments do not cause")
    asker = _asker(view, tool)
    if asker is None:
        return Verdict([Link(raised, "decisive", f"no LLM step is known to have asked for {tool.name}")], "low",
                       f"rule 1: {tool.name} raised and no LLM step is known to have asked for it")
    values = values_of(tool.arguments, tool.error_message)
    named = [value for value in values if holds(tool.error_message, value)]
    sure = "high" if named else "medium"
    for value in named or values:
        writer = _writer(view, value, asker)
        if writer is not None:
            return _planned(view, writer, asker, tool, raised, value, sure)
    return _passed(view, asker, tool, raised, next(iter(named or values), None), sure)


def _asker(view: View, tool: Step) -> Optional[Step]:
    """The LLM step whose answer asked for `tool`: by its link, else the previous LLM step of its agent."""
    asked = view.by_seq.get(tool.asked_by) if tool.asked_by is not None else None
    if asked is not None:
        return asked
    earlier = [step for step in view.steps if step.component == "llm" and step.seq < tool.seq
               and step.agent == tool.agent and step.kind != "error_occurred"]
    return earlier[-1] if earlier else None


def _writer(view: View, value: str, asker: Step) -> Optional[Step]:
    """The earliest step before `asker` of another agent (or of the user) whose output holds `value`."""
    party = view.party(asker)
    return provenance.first_writer((step for step in view.steps if step.seq < asker.seq
                                    and view.party(step) != party), value)


def _planned(view: View, writer: Step, asker: Step, tool: Step, raised: Evidence, value: str,
             sure: str) -> Verdict:
    """The value came from another agent's step (or the user's): that step, or the model that passed it on."""
    who = view.agent(writer) or "another agent"
    if view.is_user(writer):
        return _passed(view, asker, tool, raised, value, sure, source=f"the user's message (seq {writer.seq})")
    links = [Link(view.evidence(writer, f"wrote {_quote(value)}"), "decisive",
                  f"{who} wrote {_quote(value)} before {view.agent(asker) or 'the model'} used it"),
             Link(view.evidence(asker, f"asked {tool.name} with {_quote(value)}"), "propagated",
                  f"the model passed {_quote(value)} on from {who} to {tool.name}"),
             Link(raised, "propagated", f"{tool.name} raised {tool.error_type or 'an error'} on {_quote(value)}")]
    return Verdict(links, sure, f"rule 1: {tool.name} raised on {_quote(value)}, which {who} wrote first "
                   f"(seq {writer.seq}), another agent than the one that passed it on")


def _passed(view: View, asker: Step, tool: Step, raised: Evidence, value: Optional[str], sure: str,
            source: Optional[str] = None) -> Verdict:
    """The LLM step that asked for the tool is decisive: it chose the value, or passed on the user's."""
    said = _quote(value) if value is not None else "its arguments"
    origin = f"from {source}" if source else "that no earlier step of another agent wrote"
    links = [Link(view.evidence(asker, f"asked {tool.name} with {said}"), "decisive",
                  f"the model passed {said} to {tool.name}, {origin}"),
             Link(raised, "propagated", f"{tool.name} raised {tool.error_type or 'an error'} on {said}")]
    return Verdict(links, sure if value is not None else "medium",
                   f"rule 1: {tool.name} raised on {said}, which the model that asked for it passed on, {origin}")


def _llm_failed(view: View, call: Step, findings: list[Finding]) -> Verdict:
    failed = view.evidence(call, f"failed with {_error(call)}")
    category = call.error_category or categorize(call.error_type or "Error", call.error_message or "")
    kinds = LLM_CAUSES.get(category, GROWTH_CAUSES if category not in OWN_FAULTS else ())
    causes = [finding for finding in findings if finding.kind in kinds and finding.evidence
              and finding.evidence[0].ref.seq <= call.seq]
    if not causes:
        return Verdict([Link(failed, "decisive", f"the call failed ({category})")], "medium",
                       f"rule 1: the LLM call {call.name} failed ({category}) and no finding shows a step "
                       "that made it inevitable")
    cause = min(causes, key=lambda finding: finding.evidence[0].ref.seq)
    first = cause.evidence[0]
    links = [Link(first, "decisive", f"{cause.kind} begins here: {cause.why}")]
    if cause.evidence[-1].ref.seq not in (first.ref.seq, call.seq):
        links.append(Link(cause.evidence[-1], "propagated", f"{cause.kind} goes on"))
    links.append(Link(failed, "propagated", f"the call failed ({category})"))
    return Verdict(links, "medium", f"rule 1: the LLM call {call.name} failed ({category}); the {cause.kind} "
                   f"finding that led to it begins at seq {first.ref.seq}", cause.kind)


# -- rule 2: a finding that shows a cause -----------------------------------------------------------------------
def _by_finding(view: View, findings: list[Finding]) -> Optional[Verdict]:
    causes = [finding for finding in findings if finding.severity != "info" and finding.evidence
              and finding.kind not in EFFECTS | OPPORTUNITIES]
    if not causes:
        return None
    cause = min(causes, key=lambda finding: (finding.evidence[0].ref.seq, -_rank(finding), KINDS.index(finding.kind)
                                             if finding.kind in KINDS else len(KINDS)))
    first, last = cause.evidence[0], cause.evidence[-1]
    links = [Link(first, "decisive", f"{cause.kind} begins here: {cause.why}")]
    if last.ref.seq != first.ref.seq:
        links.append(Link(last, "propagated", f"{cause.kind} goes on to here"))
    confidence = min(cause.confidence, "medium", key=CONFIDENCES.index)
    return Verdict(links, confidence, f"rule 2: no error explains the failure; the {cause.kind} finding, "
                   f"{cause.title}, begins first (seq {first.ref.seq})", cause.kind)


def _rank(finding: Finding) -> int:
    return ("info", "warning", "critical").index(finding.severity) if finding.severity in \
        ("info", "warning", "critical") else 0


# -- rule 3: the finding on the chain ---------------------------------------------------------------------------
def _name_finding(verdict: Verdict, findings: list[Finding]) -> None:
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


# -- rule 4: the final answer's content -------------------------------------------------------------------------
def _by_content(view: View, failure: Failure) -> Optional[Verdict]:
    if failure.source == "check":
        return None
    final = _final(view)
    text = view.run.final_text or (final.text if final is not None else None)
    if final is None or not text:
        return None
    users = [step for step in view.steps if view.is_user(step) and step.seq < final.seq]
    terms = [term for term in terms_of(text, _expected(failure))
             if not any(provenance.wrote(user, term.text) for user in users)]
    if not terms:
        return None
    kind = terms[0].kind
    earlier = [step for step in view.steps if step.seq < final.seq and not view.is_user(step)]
    traced = [(provenance.first_writer(earlier, term.text) or final, term) for term in terms if term.kind == kind]
    writer, term = min(traced, key=lambda pair: pair[0].seq)
    return _introduced(view, writer, term, final, earlier)


def _final(view: View) -> Optional[Step]:
    """The step that gave the final answer: at `final_seq`, else the last step with a text."""
    run = view.run
    step = view.by_seq.get(run.final_seq) if run.final_seq is not None else None
    return step or next((step for step in reversed(view.steps) if step.text), None)


def _expected(failure: Failure) -> Optional[str]:
    """What a failed expectation wanted: in `expect contains:TEXT not met (...)` (`ops/diagnose.py`), TEXT."""
    if failure.source != "expect":
        return None
    for kind in ("contains:", "equals:"):
        start = failure.what.find(kind)
        if start >= 0:
            wanted = failure.what[start + len(kind):]
            end = wanted.rfind(" not met")
            return (wanted[:end] if end >= 0 else wanted).strip()
    return None


def _introduced(view: View, writer: Step, term: Term, final: Step, earlier: list[Step]) -> Verdict:
    said = _quote(term.text)
    if writer is final:
        return Verdict([Link(view.evidence(final, f"says {said}"), "decisive",
                             f"{said} appears in no earlier step")], "low",
                       f"rule 4: the final answer's {term.kind} {said} appears in no earlier step: the final step "
                       "introduced it")
    who = view.agent(writer) or "a step"
    links = [Link(view.evidence(writer, f"wrote {said}"), "decisive",
                  f"{who} introduced {said}, the final answer's {term.kind}")]
    repeats = [step for step in earlier if step.seq > writer.seq and provenance.wrote(step, term.text)]
    if repeats:
        links.append(Link(view.evidence(repeats[-1], f"repeated {said}"), "propagated",
                          f"{view.agent(repeats[-1]) or 'a step'} carried {said} on"))
    sure = "medium" if term.kind in ("number", "quoted") else "low"
    return Verdict(links, sure, f"rule 4: the final answer's {term.kind} {said} was written first by {who} "
                   f"(seq {writer.seq}), {len(repeats)} later step(s) repeated it")


# -- the failure and the unknown --------------------------------------------------------------------------------
def _failure_evidence(view: View, failure: Failure) -> Evidence:
    run = view.run
    seq = failure.seq
    if seq is None:
        seq = run.final_seq if failure.source in ("expect", "check") and run.final_seq is not None else run.end_seq
    step = view.by_seq.get(seq) if seq is not None else None
    if step is not None:
        return view.evidence(step, failure.what)
    return Evidence(Ref(run.run_id, seq if seq is not None else 0, "", "app", "run", "run"), failure.what)


def _failure_why(failure: Failure) -> str:
    return {"run": "the error reached the run's end: it failed",
            "finding": "the run gave up",
            "check": "the check failed on the run",
            "expect": "the final answer breaks the expectation"}.get(failure.source, "the run failed")


def _nothing(view: View, failure: Failure, findings: list[Finding]) -> str:
    """Why the blame is unknown: what was looked at, and what it showed."""
    run = view.run
    causes = sum(1 for finding in findings if finding.severity != "info")
    final = _final(view)
    said = run.final_text or (final.text if final is not None else None)
    answer = "no final answer" if not said else "a final answer whose content no step distinguishes"
    if failure.source == "check":
        answer = "a check, which judges the run's figures rather than its answer"
    return (f"no step is pointed at: looked at {run.errors_seen} error(s), none a cause (all recovered), "
            f"{causes} finding(s) above info, {len(view.steps)} step(s) kept, and {answer}"
            if run.errors_seen else
            f"no step is pointed at: looked at {len(view.steps)} step(s) kept, no error recorded, "
            f"{causes} finding(s) above info, and {answer}")


def _error(step: Step) -> str:
    kind = step.error_type or "an error"
    return f"{kind}: {step.error_message}" if step.error_message else kind


def _quote(text: str) -> str:
    text = text if len(text) <= NOTE_CHARS else text[:NOTE_CHARS - 1] + "…"
    return repr(text)
