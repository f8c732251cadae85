"""Rule 1 of the blame (`judge.py` states it): an error, followed from where it began to what fed it: the step
that wrote the value a tool raised on, the model that passed it on, the finding that made an LLM call's failure
inevitable, or the model's last answer before an error raised outside any call.
"""

from __future__ import annotations

from typing import Optional

import msgspec

from ....model.error_category import categorize
from .chain import Link, BlameVerdict, BlameView, cause, error_text, from_finding, is_call, quote
from ...failed_run import RUN
from .product import file_raised, named_file
from ..rules.evidence import ended_at
from ..notes.provenance import named_values, values_of
from ...records.refs import Ref
from ...records.findings import Evidence, BlamedFailure, Finding
from ..notes.steps import NO_AGENT, Step

USER = "user"  # the agent a blame of the run's input names

OWN_FAULTS = frozenset({"timeout", "network", "dependency", "resource", "auth", "rate_limit"})  # not the arguments
LLM_CAUSES = {"rate_limit": ("rate_limit_burst", "retry_without_backoff")}
GROWTH_CAUSES = ("prompt_growth", "context_near_limit")


def by_error(view: BlameView, failure: BlamedFailure, findings: list[Finding]) -> Optional[BlameVerdict]:
    if failure.source == "check" and not _about_an_error(view, failure):
        return None  # a check of the run's figures (its cost, its latency): an error elsewhere is not its cause
    origin = _origin(view, failure)
    if origin is None:
        return None
    if not is_call(origin):
        return _outside_calls(view, origin, findings)
    return _tool_raised(view, origin) if origin.component == "tool" else _llm_failed(view, origin, findings)


def went_past(view: BlameView, failure: BlamedFailure) -> bool:
    """Whether the error rule 1 follows is one the run went on past: the run did not end by raising it (its end has
    no error of its own, or the failure is a failed expectation of its answer), the error is a tool's (a code
    execution's), and after it a model call came and the run produced its answer (a final answer after the error,
    or the file its task named). The failure is then in what the run produced (rule 4 goes first); the error, which
    the run recovered from or fixed, is a runner-up."""
    if failure.source not in (RUN, "expect") or view.run.end_error_type:
        return False
    origin = _origin(view, failure)
    if origin is None or origin.component != "tool":
        return False
    after = ended_at(origin)
    if not any(step.component == "llm" and is_call(step) and step.seq > after for step in view.steps):
        return False
    final = view.run.final_seq
    return (final is not None and final > after) or named_file(view.run) is not None


def _about_an_error(view: BlameView, failure: BlamedFailure) -> bool:
    """Whether a failed check shows at an error (its first event is one: `max_errors`, `forbid error:...`)."""
    step = view.by_seq.get(failure.seq) if failure.seq is not None else None
    return step is not None and (step.status == "failed" or step.kind == "error_occurred")


def _origin(view: BlameView, failure: BlamedFailure) -> Optional[Step]:
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


def _tool_raised(view: BlameView, tool: Step) -> BlameVerdict:
    told = "answered the model with" if tool.inferred else "raised"
    raised = view.evidence(tool, f"{tool.name} {told} {error_text(tool)}{_at(tool)}")
    category = tool.error_category or categorize(tool.error_type or "Error", tool.error_message or "")
    if category in OWN_FAULTS:
        return BlameVerdict([Link(raised, "decisive", f"{tool.name} failed on its own ({category})")],
                            f"rule 1: {tool.name} failed with a {category} error, which its arguments do not cause",
                            path="error.own_fault")
    ran = file_raised(view, tool, raised)
    if ran is not None:
        return ran
    asker = _asker(view, tool)
    if asker is None:
        return BlameVerdict([Link(raised, "decisive", f"no LLM step is known to have asked for {tool.name}")],
                            f"rule 1: {tool.name} raised and no LLM step is known to have asked for it",
                            path="error.unasked_tool")
    values = values_of(tool.arguments, tool.error_message)
    named = named_values(values, tool.error_message)
    traced = named or values
    for value in traced:
        verdict = _traced(view, value, asker, tool, raised)
        if verdict is not None:
            return verdict
    return _made_up(view, asker, tool, raised, traced[0] if traced else None)


def _asker(view: BlameView, tool: Step) -> Optional[Step]:
    """The LLM step whose answer asked for `tool`: by its link, else the previous LLM step of its agent."""
    asked = view.by_seq.get(tool.asked_by) if tool.asked_by is not None else None
    if asked is not None:
        return asked
    earlier = [step for step in view.steps if step.component == "llm" and step.seq < tool.seq
               and step.agent == tool.agent and step.kind != "error_occurred"]
    return earlier[-1] if earlier else None


def _traced(view: BlameView, value: str, asker: Step, tool: Step, raised: Evidence) -> Optional[BlameVerdict]:
    """Where `value` came from, when a step before the model's ask wrote it first: the run's input, an earlier
    tool's result (any agent's), another agent's step. None: the model made it up (no step wrote it before, or its
    own agent's earlier answer did: the same model, and a value it used before may not be the wrong part of it)."""
    carried = _input(view, value, asker)
    if carried is not None:
        return _from_input(view, carried, asker, tool, raised, value)
    writer = view.first_writer(value, lambda step: ended_at(step) < asker.seq)
    if writer is None:
        return None
    if writer.component == "tool" and is_call(writer):
        return _from_step(view, writer, asker, tool, raised, value, f"{writer.name}'s result",
                          "error.value_from_tool")
    if view.party(writer) != view.party(asker):
        return _from_step(view, writer, asker, tool, raised, value, view.agent(writer) or "another agent",
                          "error.value_from_agent")
    return None


def _input(view: BlameView, value: str, asker: Step) -> Optional[Step]:
    """The step that brought `value` into the run from its input, when the input held it: a user's step that wrote
    it before the model asked, else, when what the run was given holds it (`RunClues.given`: its task, its first
    request) and no user's step wrote it later, the run's first LLM call, whose request carried the task."""
    user = view.first_writer(value, lambda step: view.is_user(step) and ended_at(step) < asker.seq)
    if user is not None:
        return user
    if not view.run.given.holds_input(value) or view.first_writer(value, view.is_user) is not None:
        return None
    return next((step for step in view.steps if step.component == "llm" and is_call(step)), asker)


def _from_input(view: BlameView, carried: Step, asker: Step, tool: Step, raised: Evidence, value: str) -> BlameVerdict:
    """The value was the run's input: the input is decisive (its agent `user`), the model only passed it on, and
    what to do is to handle or validate that input before the tool gets it, not to change the model."""
    said = quote(value)
    where = (f"the user's message (seq {carried.seq})" if view.is_user(carried) else
             f"the run's input (its first LLM call carried it, seq {carried.seq})")
    note = f"wrote {said}" if view.is_user(carried) else f"carried the run's input {said}"
    found = view.evidence(carried, note)
    if not view.is_user(carried):
        found = msgspec.structs.replace(found, agent=USER)
    links = [Link(found, "decisive", f"{said} came from {where}")]
    if carried.seq != asker.seq:
        links.append(Link(view.evidence(asker, f"asked {tool.name} with {said}"), "propagated",
                          f"the model passed {said} on from the input to {tool.name}"))
    links.append(Link(raised, "propagated", f"{tool.name} {_raised(tool)} {tool.error_type or 'an error'} on {said}"
                                            f"{_at(tool)}"))
    return BlameVerdict(links, f"rule 1: {tool.name} {_raised(tool)} on {said}{_at(tool)}, which came from {where}: "
                        f"the input is at fault, not the model that passed it on; handle or validate it (reject or "
                        f"clarify {said} before calling {tool.name})", path="error.value_from_input")


def _from_step(view: BlameView, writer: Step, asker: Step, tool: Step, raised: Evidence, value: str,
               who: str, path: str) -> BlameVerdict:
    """The value came from an earlier tool's result or another agent's step: that step is decisive."""
    said = quote(value)
    links = [Link(view.evidence(writer, f"wrote {said}"), "decisive",
                  f"{who} wrote {said} before {view.agent(asker) or 'the model'} used it"),
             *([] if writer.component == "tool" else _handed(view, writer, asker)),
             Link(view.evidence(asker, f"asked {tool.name} with {said}"), "propagated",
                  f"the model passed {said} on from {who} to {tool.name}"),
             Link(raised, "propagated", f"{tool.name} {_raised(tool)} {tool.error_type or 'an error'} on "
                                        f"{said}{_at(tool)}")]
    other = "" if writer.component == "tool" else ", another agent than the one that passed it on"
    return BlameVerdict(links, f"rule 1: {tool.name} {_raised(tool)} on {said}{_at(tool)}, which {who} wrote first "
                        f"(seq {writer.seq}){other}", path=path)


def _handed(view: BlameView, writer: Step, asker: Step) -> list[Link]:
    """The handoff from the writer's agent to the asker's between them, when the run recorded one."""
    source, target = view.agent(writer), view.agent(asker)
    for seq, handing, taking in view.run.handoffs:
        if writer.seq < seq < asker.seq and (handing, taking) == (source, target):
            ref = Ref(view.run.run_id, seq, "", "chain", "handoff", "chain_execution")
            return [Link(Evidence(ref, f"{handing} handed off to {taking}", agent=handing), "propagated",
                         f"{handing} handed the work on to {taking}")]
    return []


def _made_up(view: BlameView, asker: Step, tool: Step, raised: Evidence, value: Optional[str]) -> BlameVerdict:
    """No input, tool or other agent wrote the value first: the model call that asked for the tool made it up; with
    no value to trace, it passed the arguments the tool raised on."""
    said = quote(value) if value is not None else "its arguments"
    why = (f"the model made up {said}: no input, tool or other agent wrote it before" if value is not None else
           f"the model passed its arguments to {tool.name}")
    links = [Link(view.evidence(asker, f"asked {tool.name} with {said}"), "decisive", why),
             Link(raised, "propagated", f"{tool.name} {_raised(tool)} {tool.error_type or 'an error'} on {said}"
                                        f"{_at(tool)}")]
    if value is None:
        return BlameVerdict(links, f"rule 1: {tool.name} {_raised(tool)}{_at(tool)} on the arguments the model "
                            "that asked for it passed", path="error.value_passed")
    return BlameVerdict(links, f"rule 1: {tool.name} {_raised(tool)} on {said}{_at(tool)}, which the model that "
                        "asked for it made up: no input, earlier tool or other agent wrote it",
                        path="error.value_made_up")


def _raised(tool: Step) -> str:
    """How a tool failed: it raised, or its result read as an error (`error.inferred`)."""
    return "failed" if tool.inferred else "raised"


def _at(step: Step) -> str:
    """` in get_exchange_rate (trip_agent.py:33)`: where in the app's own code it was raised, when the stack says."""
    return f" in {step.where}" if step.where else ""


def _llm_failed(view: BlameView, call: Step, findings: list[Finding]) -> BlameVerdict:
    failed = Link(view.evidence(call, f"failed with {error_text(call)}"), "propagated", "the call failed")
    category = call.error_category or categorize(call.error_type or "Error", call.error_message or "")
    kinds = LLM_CAUSES.get(category, GROWTH_CAUSES if category not in OWN_FAULTS else ())
    found = cause([finding for finding in findings if finding.kind in kinds], call.seq + 1)
    if found is None:
        failed.role, failed.why = "decisive", f"the call failed ({category})"
        return BlameVerdict([failed], f"rule 1: the LLM call {call.name} failed ({category}) and no finding "
                            "shows a step that made it inevitable",
                            path="error.llm_failed")
    verdict = from_finding(found, f"rule 1: the LLM call {call.name} failed ({category});", "error.llm_failed_finding")
    kept = [link for link in verdict.links if link.evidence.ref.seq != call.seq]
    if not kept or kept[0].role != "decisive":  # the finding begins at the failed call itself: it is decisive
        failed.role, failed.why = "decisive", f"the call failed ({category}), where {found.kind} begins"
        kept, verdict.path = [], "error.llm_failed"
    verdict.links = [*kept, failed]
    return verdict


def _outside_calls(view: BlameView, error: Step, findings: list[Finding]) -> BlameVerdict:
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
        return BlameVerdict([raised], f"rule 1: the error began in {error.component} {error.name} "
                            f"(seq {error.seq}), outside any call, and no LLM call came before it",
                            path="error.outside_itself")
    last = answers[-1]
    said = f"asked for {', '.join(ask.name for ask in last.asked)}" if last.asked else "answered"
    return BlameVerdict([Link(view.evidence(last, said), "decisive", "the model's last answer before the error"),
                         raised], f"rule 1: {error.error_type or error.name} was raised outside any call after "
                        f"the model's last answer (seq {last.seq}), and no finding shows an earlier cause",
                        path="error.outside_last_answer")


