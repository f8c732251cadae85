"""Rule 1 of the blame (`blame.py` states it): an error, followed from where it began to what fed it: the step
that wrote the value a tool raised on, the model that passed it on, the finding that made an LLM call's failure
inevitable, or the model's last answer before an error raised outside any call.
"""

from __future__ import annotations

from typing import Optional

from ...model.error_category import categorize
from .blame_chain import Link, Verdict, View, cause, error_text, from_finding, is_call, quote
from ..failed_run import RUN
from .blame_product import file_raised, named_file, ran_file
from .rules.evidence import ended_at
from .provenance import holds, values_of
from ..refs import Ref
from .records import Evidence, Failure, Finding
from .steps import NO_AGENT, Step

OWN_FAULTS = frozenset({"timeout", "network", "dependency", "resource", "auth", "rate_limit"})  # not the arguments
LLM_CAUSES = {"rate_limit": ("rate_limit_burst", "retry_without_backoff")}
GROWTH_CAUSES = ("prompt_growth", "context_near_limit")


def by_error(view: View, failure: Failure, findings: list[Finding]) -> Optional[Verdict]:
    if failure.source == "check" and not _about_an_error(view, failure):
        return None  # a check of the run's figures (its cost, its latency): an error elsewhere is not its cause
    origin = _origin(view, failure)
    if origin is None:
        return None
    if not is_call(origin):
        return _outside_calls(view, origin, findings)
    return _tool_raised(view, origin) if origin.component == "tool" else _llm_failed(view, origin, findings)


def went_past(view: View, failure: Failure) -> bool:
    """Whether the error rule 1 follows is one the run went on past in a run whose product is a file: the run's own
    end (no error of its own), its task named a file it wrote, a tool's error that ran no file the run wrote, and
    a model call after it. What the run produced is then what failed (rule 4 goes first)."""
    if failure.source != RUN or view.run.end_error_type or named_file(view.run) is None:
        return False
    origin = _origin(view, failure)
    if origin is None or origin.component != "tool" or ran_file(view, origin) is not None:
        return False
    after = ended_at(origin)
    return any(step.component == "llm" and step.seq > after for step in view.steps)


def _about_an_error(view: View, failure: Failure) -> bool:
    """Whether a failed check shows at an error (its first event is one: `max_errors`, `forbid error:...`)."""
    step = view.by_seq.get(failure.seq) if failure.seq is not None else None
    return step is not None and (step.status == "failed" or step.kind == "error_occurred")


def _origin(view: View, failure: Failure) -> Optional[Step]:
    """Where the failure's error began: see the module's rule 1."""
    run = view.run
    limit = view.limit(failure)
    errors = [step for step in run.errors if limit is None or step.seq <= limit]
    pool = [step for step in errors if run.end_error_type and _same(step, run.end_error_type, run.end_error_message)]
    pool = [step for step in pool if not view.recovered(step, limit)] or pool
    unrecovered = [step for step in errors if not view.recovered(step, limit)]
    if not pool:
        if not unrecovered:
            return None
        pool = _group(unrecovered, max(unrecovered, key=lambda step: step.seq))
    origin = view.call_of(_first_ended(pool))
    if not is_call(origin):  # raised outside any call: by the call that failed last before it, when one did
        calls = [view.call_of(step) for step in unrecovered if step.seq < origin.seq]
        calls = [step for step in calls if is_call(step)]
        if calls:
            origin = view.call_of(_first_ended(_group(calls, max(calls, key=lambda step: step.seq))))
    return origin


def _group(errors: list[Step], last: Step) -> list[Step]:
    """The steps of `errors` that failed with `last`'s error."""
    return [step for step in errors if _same(step, last.error_type, last.error_message)]


def _first_ended(steps: list[Step]) -> Step:
    """Where an error began: of the steps it failed, the one that ended first (a tool, before its agent)."""
    return min(steps, key=lambda step: (ended_at(step), step.seq))


def _same(step: Step, kind: Optional[str], message: Optional[str]) -> bool:
    """Whether `step` failed with this error (messages cut to different lengths match on the shorter)."""
    if step.error_type != kind:
        return False
    mine, theirs = step.error_message or "", message or ""
    return not mine or not theirs or mine.startswith(theirs) or theirs.startswith(mine)


def _tool_raised(view: View, tool: Step) -> Verdict:
    told = "answered the model with" if tool.inferred else "raised"
    raised = view.evidence(tool, f"{tool.name} {told} {error_text(tool)}{_at(tool)}")
    category = tool.error_category or categorize(tool.error_type or "Error", tool.error_message or "")
    if category in OWN_FAULTS:
        return Verdict([Link(raised, "decisive", f"{tool.name} failed on its own ({category})")], "medium",
                       f"rule 1: {tool.name} failed with a {category} error, which its arguments do not cause",
                       path="error.own_fault")
    ran = file_raised(view, tool, raised)
    if ran is not None:
        return ran
    asker = _asker(view, tool)
    if asker is None:
        return Verdict([Link(raised, "decisive", f"no LLM step is known to have asked for {tool.name}")], "low",
                       f"rule 1: {tool.name} raised and no LLM step is known to have asked for it",
                       path="error.unasked_tool")
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
    return view.first_writer(value, lambda step: step.seq < asker.seq and view.party(step) != party)


def _planned(view: View, writer: Step, asker: Step, tool: Step, raised: Evidence, value: str,
             sure: str) -> Verdict:
    """The value came from another agent's step (or the user's): that step, or the model that passed it on."""
    who = view.agent(writer) or "another agent"
    if view.is_user(writer):
        return _passed(view, asker, tool, raised, value, sure, source=f"the user's message (seq {writer.seq})")
    links = [Link(view.evidence(writer, f"wrote {quote(value)}"), "decisive",
                  f"{who} wrote {quote(value)} before {view.agent(asker) or 'the model'} used it"),
             *_handed(view, writer, asker),
             Link(view.evidence(asker, f"asked {tool.name} with {quote(value)}"), "propagated",
                  f"the model passed {quote(value)} on from {who} to {tool.name}"),
             Link(raised, "propagated", f"{tool.name} {_raised(tool)} {tool.error_type or 'an error'} on "
                                        f"{quote(value)}{_at(tool)}")]
    return Verdict(links, sure, f"rule 1: {tool.name} {_raised(tool)} on {quote(value)}{_at(tool)}, which {who} "
                   f"wrote first "
                   f"(seq {writer.seq}), another agent than the one that passed it on", path="error.value_from_agent")


def _handed(view: View, writer: Step, asker: Step) -> list[Link]:
    """The handoff from the writer's agent to the asker's between them, when the run recorded one."""
    source, target = view.agent(writer), view.agent(asker)
    for seq, handing, taking in view.run.handoffs:
        if writer.seq < seq < asker.seq and (handing, taking) == (source, target):
            ref = Ref(view.run.run_id, seq, "", "chain", "handoff", "chain_execution")
            return [Link(Evidence(ref, f"{handing} handed off to {taking}", agent=handing), "propagated",
                         f"{handing} handed the work on to {taking}")]
    return []


def _passed(view: View, asker: Step, tool: Step, raised: Evidence, value: Optional[str], sure: str,
            source: Optional[str] = None) -> Verdict:
    """The LLM step that asked for the tool is decisive: it chose the value, or passed on the user's."""
    said = quote(value) if value is not None else "its arguments"
    origin = f"from {source}" if source else "that no earlier step of another agent wrote"
    links = [Link(view.evidence(asker, f"asked {tool.name} with {said}"), "decisive",
                  f"the model passed {said} to {tool.name}, {origin}"),
             Link(raised, "propagated", f"{tool.name} {_raised(tool)} {tool.error_type or 'an error'} on {said}"
                                        f"{_at(tool)}")]
    return Verdict(links, sure if value is not None else "medium",
                   f"rule 1: {tool.name} {_raised(tool)} on {said}{_at(tool)}, which the model that asked for it "
                   f"passed on, {origin}", path="error.value_passed")


def _raised(tool: Step) -> str:
    """How a tool failed: it raised, or its result read as an error (`error.inferred`)."""
    return "failed" if tool.inferred else "raised"


def _at(step: Step) -> str:
    """` in get_exchange_rate (trip_agent.py:33)`: where in the app's own code it was raised, when the stack says."""
    return f" in {step.where}" if step.where else ""


def _llm_failed(view: View, call: Step, findings: list[Finding]) -> Verdict:
    failed = Link(view.evidence(call, f"failed with {error_text(call)}"), "propagated", "the call failed")
    category = call.error_category or categorize(call.error_type or "Error", call.error_message or "")
    kinds = LLM_CAUSES.get(category, GROWTH_CAUSES if category not in OWN_FAULTS else ())
    found = cause([finding for finding in findings if finding.kind in kinds], call.seq + 1)
    if found is None:
        failed.role, failed.why = "decisive", f"the call failed ({category})"
        return Verdict([failed], "medium", f"rule 1: the LLM call {call.name} failed ({category}) and no finding "
                       "shows a step that made it inevitable",
                       path="error.llm_failed")
    verdict = from_finding(found, f"rule 1: the LLM call {call.name} failed ({category});", "error.llm_failed_finding")
    kept = [link for link in verdict.links if link.evidence.ref.seq != call.seq]
    if not kept or kept[0].role != "decisive":  # the finding begins at the failed call itself: it is decisive
        failed.role, failed.why = "decisive", f"the call failed ({category}), where {found.kind} begins"
        kept, verdict.path = [], "error.llm_failed"
    verdict.links = [*kept, failed]
    return verdict


def _outside_calls(view: View, error: Step, findings: list[Finding]) -> Verdict:
    """An error raised outside any call, no call having failed before it (a turn limit, an answer the app or a
    framework refused): the cause finding that begins before it, else the model's last answer before it."""
    raised = Link(view.evidence(error, f"raised {error_text(error)}{_at(error)}"), "propagated",
                  f"{error.name} was raised outside any call{_at(error)}")
    found = cause(findings, error.seq)
    if found is not None:
        verdict = from_finding(found, f"rule 1: {error.error_type or error.name} was raised outside any call;",
                               "error.outside_finding")
        verdict.links.append(raised)
        return verdict
    answers = [step for step in view.steps if step.component == "llm" and is_call(step) and step.seq < error.seq
               and (error.agent == NO_AGENT or step.agent == error.agent)]
    if not answers:
        raised.role, raised.why = "decisive", f"the error began here, in {error.name}"
        return Verdict([raised], "low", f"rule 1: the error began in {error.component} {error.name} "
                       f"(seq {error.seq}), outside any call, and no LLM call came before it",
                       path="error.outside_itself")
    last = answers[-1]
    said = f"asked for {', '.join(ask.name for ask in last.asked)}" if last.asked else "answered"
    return Verdict([Link(view.evidence(last, said), "decisive", "the model's last answer before the error"),
                    raised], "low", f"rule 1: {error.error_type or error.name} was raised outside any call after "
                   f"the model's last answer (seq {last.seq}), and no finding shows an earlier cause",
                   path="error.outside_last_answer")


