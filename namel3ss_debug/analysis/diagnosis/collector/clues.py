"""The collector the one pass feeds when the report has a `findings` section: `Tally` calls `started`, `ended` and
`instant` after its own work on each event (reusing its open-span table: each span's agent and parent), and
`finish` at the end of each run.

It keeps one `Step` per LLM call, tool call, agent turn and error event, in the `AgentSteps` of the agent execution
it ran in (steps in no agent under `NO_AGENT`); when an agent execution ends its steps are judged by the agent rules
and dropped, so memory holds the open agents' steps, not the run's. What is the run's alone (its end, final answer,
errors, handoffs, repeats, cost per model) goes to its `RunClues`. Payloads are decoded only where a rule reads them:
an LLM request's tools, an answer, a tool's result, an agent's output.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Callable, Iterable, Optional

import msgspec

from ....model.error_category import categorize
from ....model.events import kind as span_kind
from ....model.stack_frames import app_frame
from ....store.records import EventRecord, attrs_of
from ...collectors.figures import CALLS
from ...run_state import OpenSpan, RunState
from ...thresholds import MAX_AGENT_STEPS, Judging
from ...traffic import unrecorded_requests
from ..notes import payloads
from .actors import note_actor
from ..blame.chain import USERS
from .links import Links
from ..notes.messages import request_of
from ..notes.past_cut import CountedCall, note_of
from .repeats import note_repeat
from .request_marks import CONSENT, CUT, NAMED, STOP, TOOLS, request_marks
from .speakers import Speakers
from .spend import note_slowest, note_spend
from ...records.findings import Finding
from ..rules.turn_limits import note_stop_request, stop_text
from ..rules.registry import EVERYTHING, agent_rules, holds
from ..notes.steps import (
    MAX_ERRORS, NO_AGENT, OPENING_STEPS, RECENT_STEPS, AgentSteps, CallRepeat,
    RunClues, Step,
)

MAX_SCHEMAS = 256  # distinct sets of offered tools kept per run
STEP_KINDS = frozenset({"agent_turn"})  # span kinds that are steps besides LLM and tool calls
HANDOFF = ("chain", "handoff")  # openai-agents' handoff span: a step (it answers the model's call of the handoff)
# Whether a tool span's raw `attrs` may link it to its LLM call: searched in the bytes as they are (a copy of them
# cost 0.3-0.9 us, twice a tool call), so the tools with no link (most) are never decoded for it
_MAY_LINK = re.compile(rb"tool_call_id|llm_span_id").search


class RunTrack:
    """What the collector keeps of one run while its events go by."""

    def __init__(self, clues: RunClues):
        self.clues = clues
        self.agents: dict[str, AgentSteps] = {}  # open agent executions by span id
        self.loose = AgentSteps(clues.run_id, NO_AGENT, None, 0)  # the steps in no agent
        self.open: dict[str, Step] = {}  # open steps by span id
        self.turns: dict[str, str] = {}  # open span id -> the agent whose turn it is in (an `agent_turn`'s name)
        self.numbers: dict[tuple[str, str], int] = {}  # (component, name) -> events so far: the call number
        self.by_span = Links()  # LLM span id -> its seq
        self.by_call_id = Links()  # a tool call id an answer asked for -> the asking LLM call's seq
        # inputs key -> its first call's seq and answer, packed in one int (`_first`): one entry per distinct call
        self.firsts: dict[int, int] = {}
        self.repeats: dict[int, CallRepeat] = {}  # RunClues.repeats, written there when the run ends
        self.recent: deque[Step] = deque(maxlen=RECENT_STEPS)
        self.final_rank = -1  # 1: the final text is an LLM answer's; 0: the root's output
        self.speakers: Speakers[Step] = Speakers(lambda step: note_actor(clues, step))  # who spoke (the wire)


class Clues:
    """The steps and run clues of a pass, and the findings of the agent rules judged as agents ended."""

    def __init__(self, judging: Judging | None = None,
                 price: Callable[[str, int, int], Optional[float]] = lambda model, tokens_in, tokens_out: None):
        self.judging = judging or Judging()
        self.price = price  # a call's cost from its model and tokens, as the report prices it; None: unknown
        self.runs: list[RunClues] = []
        self.findings: list[Finding] = []  # the agent rules' findings, as the agents ended
        self.judged: list[Finding] | None = None  # every finding merged and ordered, once `diagnose` judged them
        self._tracks: list[RunTrack] = []
        self._rules = [agent_rules(held) for held in range(EVERYTHING + 1)]  # by what an agent's steps hold
        self._kinds: dict[str, str] = {}
        self._prices: dict[tuple[str, int, int], Optional[float]] = {}
        self._run: Optional[RunState] = None  # the run fed last, and its track: most events are of the run before
        self._track: Optional[RunTrack] = None

    # -- what Tally calls -------------------------------------------------------------------
    def track(self, run: RunState) -> RunTrack:
        """The run's track (made on its first event); the run fed last is asked of again and again."""
        if run is self._run and self._track is not None:
            return self._track
        while len(self._tracks) <= run.index:
            clues = RunClues(run.run_id, len(self._tracks))
            self.runs.append(clues)
            self._tracks.append(RunTrack(clues))
        track = self._tracks[run.index]
        track.clues.run_id = run.run_id  # a run whose id the pass learnt after its first event (`Tally._switch`)
        self._run, self._track = run, track
        return track

    def started(self, run: RunState, event: EventRecord, own: Optional[OpenSpan], use: bool,
                ident: Optional[int]) -> None:
        """A start, after the tally's: `own` its open span, `ident` the call's identity the tally found
        (`figures.call_key`: the tally keeps patterns whenever it keeps these clues)."""
        track = self._track if run is self._run and self._track is not None else self.track(run)
        component, name, span_id = event.component, event.name, event.span_id
        numbers, op = track.numbers, (component, name)
        number = numbers[op] = numbers.get(op, 0) + 1  # the call number: the run's starts and instants of the op
        if own is None:
            return
        turns = track.turns
        if event.event_type == "agent_turn_start":  # whose turn it is: the agent of the spans inside it
            turns[span_id] = name
        elif turns and event.parent_id in turns and own.agent != span_id:
            turns[span_id] = turns[event.parent_id]
        if own.agent == span_id:  # an agent execution (as the tally tells one), counted or not: its steps'
            self._agent_started(run, track, event, own)  # owner, whatever `--component` keeps
            return
        if component == "tool":  # a plan's step carried out, whatever `--component` keeps
            track.clues.plans.called(name, event.seq)
        if not use:
            return
        kind = self._kinds.get(event.event_type) or self._kind(event.event_type)
        if component not in CALLS and kind not in STEP_KINDS and op != HANDOFF:
            return
        step = Step(event.seq, None, span_id, event.parent_id, component, name, kind,
                    self._address(component, name, number), own.agent or NO_AGENT, event.ts, model=event.model,
                    turn=turns.get(span_id) if turns else None)
        if component == "llm":
            step.inputs_key = ident
            self._request(track, event, step)
        elif component == "tool":
            step.inputs_key = ident
            step.arguments = payloads.raw_text(event.inputs)
            self._tool_link(track, step, event)
        track.open[span_id] = step
        self._keep(track, step)

    def ended(self, run: RunState, event: EventRecord, own: Optional[OpenSpan], use: bool) -> None:
        track = self._track if run is self._run and self._track is not None else self.track(run)
        if event.event_type == "run_end":
            self._run_ended(track, event)
            return
        if track.turns:
            track.turns.pop(event.span_id, None)
        if own is not None and own.agent == event.span_id:
            self._agent_ended(track, event)
            return
        step = track.open.pop(event.span_id, None)
        if step is None:
            return
        self._ended(track, step, event)
        if (step.component, step.name) == HANDOFF:
            self._handoff(track, event)

    def instant(self, run: RunState, event: EventRecord, parent: Optional[OpenSpan], use: bool) -> None:
        track = self.track(run)
        if event.event_type == "segment_start":
            return
        op = (event.component, event.name)
        number = track.numbers[op] = track.numbers.get(op, 0) + 1
        if not use or event.event_type != "error_occurred":
            return
        agent = (parent.agent if parent is not None else None) or NO_AGENT
        step = Step(event.seq, None, event.span_id, event.parent_id, event.component, event.name, "error_occurred",
                    self._address(event.component, event.name, number), agent, event.ts, status="failed",
                    turn=track.turns.get(event.parent_id or "") if track.turns else None)
        self._error(step, event)
        self._keep(track, step)
        self._failed(track, step)

    def finish(self, run: RunState) -> None:
        """The run's events ran out: its agents still open are judged as they are, then the steps in no agent."""
        track = self.track(run)
        track.clues.run_id = run.run_id
        for agent in list(track.agents.values()):
            self._judge(track, agent)
        track.agents.clear()
        track.open.clear()
        track.turns.clear()
        clues = track.clues
        clues.recent = list(track.recent)
        clues.repeats = track.repeats
        track.repeats = {}
        self._judge(track, track.loose)
        track.loose = AgentSteps(clues.run_id, NO_AGENT, None, 0)
        track.by_span, track.by_call_id = Links(), Links()
        track.firsts.clear()

    # -- steps ------------------------------------------------------------------------------
    def _kind(self, event_type: str) -> str:
        kind = self._kinds.get(event_type)
        if kind is None:
            kind = self._kinds[event_type] = span_kind(event_type)
        return kind

    def _address(self, component: str, name: str, number: int) -> str:
        """A step's call address, `component:name#N` (`model/calls.py`)."""
        return f"{component}:{name}#{number}"

    def _keep(self, track: RunTrack, step: Step) -> None:
        """The step in its agent's steps (its run's when the agent is not open), the run's opening and recent."""
        agent = track.agents.get(step.agent) if step.agent != NO_AGENT else None
        self._kept(agent if agent is not None else track.loose, step)
        opening = track.clues.opening
        if len(opening) < OPENING_STEPS:
            opening.append(step)
        track.recent.append(step)

    def _kept(self, owner: AgentSteps, step: Step) -> None:
        """A step among its agent's (or the run's loose) steps: kept, or past the kept ones and counted."""
        if len(owner.steps) < MAX_AGENT_STEPS:
            owner.steps.append(step)
        else:
            owner.dropped += 1

    def _request(self, track: RunTrack, event: EventRecord, step: Step) -> None:
        """An LLM call's start: the tools its request offered, a framework's stop message in it (the request is
        scanned once, here, and only a message that matched is kept), and its span id for the tools it will ask
        for."""
        data = bytes(event.inputs)
        given = track.clues.given
        if not given.asked:  # the run's first request: the task, in a run recorded at the HTTP client
            given.ask("\n".join(payloads.message_texts(data)))
        marks = request_marks(data)  # which marks the request holds, one pass: each reader decides by them
        if marks & STOP:
            note_stop_request(track.clues, step, data)
        consent = track.clues.consent.wants(marks & CONSENT)
        tools, named = marks & TOOLS and not marks & CUT, marks & NAMED  # a cut request says nothing of its tools
        body = request_of(payloads.decoded(data)) if consent or tools or named else None  # once, for all three
        if consent:
            track.clues.consent.request(step, body)
        if named:
            track.speakers.request(step, body)
        offered = payloads.tools_in(body) if tools else None
        if offered is not None:
            step.offered = tuple(sorted(offered))
            track.clues.plans.offered(step.offered)
            key = payloads.schemas_key(offered)
            schemas = track.clues.schemas
            if key in schemas or len(schemas) < MAX_SCHEMAS:
                schemas[key] = offered
                step.schemas_key = key
        track.by_span.remember(event.span_id, event.seq)

    def _tool_link(self, track: RunTrack, step: Step, event: EventRecord) -> None:
        """The tool's call id and the LLM call that asked for it (`attrs.llm_span_id`, else by call id)."""
        if _MAY_LINK(event.attrs) is None:
            return
        attrs = attrs_of(event)
        call_id, asker, source = attrs.get("tool_call_id"), attrs.get("llm_span_id"), attrs.get("source")
        if isinstance(source, str):
            step.source = source
        if isinstance(call_id, str) and step.tool_call_id is None:
            step.tool_call_id = call_id
        if step.asked_by is None and isinstance(asker, str):
            step.asked_by = track.by_span.get(asker)
        if step.asked_by is None and step.tool_call_id is not None:
            step.asked_by = track.by_call_id.get(step.tool_call_id)

    def _ended(self, track: RunTrack, step: Step, event: EventRecord) -> None:
        status = step.status = event.status
        step.end_seq, step.duration_ms = event.seq, event.duration_ms
        step.model = event.model or step.model
        component, keyed, clues = step.component, step.inputs_key is not None, track.clues
        if keyed and len(event.outputs):  # only a repeated call's answer is compared
            step.outputs_key = hash(bytes(event.outputs))
        if event.error is not None or status == "failed":
            self._error(step, event)
        call = component in CALLS
        if component == "llm":
            self._answered(track, step, event)
        elif component == "tool" or (component, step.name) == HANDOFF:
            step.result = payloads.output_text(event.outputs)
            self._tool_link(track, step, event)
        else:
            step.text = payloads.output_text(event.outputs)
            if step.kind == "agent_turn" and step.name.casefold() in USERS:  # what the user said, whole
                if not clues.given.full:
                    clues.given.add(payloads.as_text(payloads.output_of(event.outputs)))
        if keyed:
            self._repeat(track, step)
        if call:
            note_slowest(clues, step)
        if call or step.kind == "agent_turn":
            note_actor(clues, step)
        clues.writers.note(step)
        if status == "failed":
            self._failed(track, step)
        if call:
            self._past(track.agents.get(step.agent, track.loose), step)

    def _past(self, owner: AgentSteps, step: CountedCall) -> None:
        """An LLM or tool call ended: counted for the rules when it is past its agent's kept steps."""
        if owner.dropped and owner.steps and step.seq > owner.steps[-1].seq:
            owner.past.note(step)

    def _repeat(self, track: RunTrack, step: Step) -> None:
        """A call with inputs ended: the first of its inputs, or a repeat."""
        note_repeat(track.firsts, track.repeats, step)

    def _spend(self, track: RunTrack, step: Step) -> None:
        """An LLM call ended: its model's figures, the run's cost and its costliest call."""
        note_spend(track.clues, step)

    def _error(self, step: Step, event: EventRecord) -> None:
        error = event.error
        if error is None:
            return
        step.error_type = error.type or (event.name if step.kind == "error_occurred" else None)
        step.error_message = payloads.cut(error.message)
        step.error_category = error.category or categorize(step.error_type or "Error", error.message or "")
        step.handled = error.handled
        step.inferred = error.inferred
        frame = app_frame(error.stack) if error.stack else None
        step.where = str(frame) if frame is not None else None

    def _failed(self, track: RunTrack, step: Step) -> None:
        clues = track.clues
        clues.errors_seen += 1
        if len(clues.errors) < MAX_ERRORS:
            clues.errors.append(step)

    def _answered(self, track: RunTrack, step: Step, event: EventRecord) -> None:
        """An LLM call's end: usage and cost (priced as the report prices, None when unknown), its answer."""
        usage = event.usage
        if usage is not None:
            step.input_tokens, step.output_tokens = usage.input_tokens, usage.output_tokens
        step.cost_usd = event.cost_usd if event.cost_usd is not None else self._price(step)
        answer = payloads.answer_of(event.outputs) if len(event.outputs) else payloads.NO_ANSWER
        step.text, step.finish_reason, step.asked = payloads.cut(answer.text), answer.finish_reason, answer.asks
        if answer.asks:
            track.clues.files.note(step)
        track.clues.consent.answered(step)
        track.clues.plans.answered(step, answer.text)
        track.speakers.answered(step, answer.text)
        for ask in answer.asks:
            if ask.call_id:
                track.by_call_id.remember(ask.call_id, step.seq)
        if step.text:
            clues = track.clues
            clues.final_text, clues.final_seq = step.text, step.seq
            track.final_rank = 1
        self._spend(track, step)

    def _price(self, step: Step) -> Optional[float]:
        if step.model is None or (step.input_tokens is None and step.output_tokens is None):
            return None
        key = (step.model, step.input_tokens or 0, step.output_tokens or 0)
        if key not in self._prices:
            self._prices[key] = self.price(*key)
        return self._prices[key]

    # -- agents, handoffs, the run's end ----------------------------------------------------------
    def _agent_started(self, run: RunState, track: RunTrack, event: EventRecord, own: OpenSpan) -> None:
        parent = run.open.get(event.parent_id) if event.parent_id is not None else None
        track.agents[event.span_id] = AgentSteps(run.run_id, event.span_id, event.name, event.seq,
                                                 parent.agent if parent is not None else None)
        given = track.clues.given
        if (parent is None or parent.agent is None) and not given.full:  # the outermost agent: its inputs are the
            given.add(payloads.as_text(payloads.decoded(event.inputs)))  # run's task, decoded only while kept
        track.clues.agents[event.span_id] = event.name

    def _agent_ended(self, track: RunTrack, event: EventRecord) -> None:
        agent = track.agents.pop(event.span_id, None)
        if agent is None:
            return
        agent.status, agent.end_seq = event.status, event.seq
        if len(event.outputs):
            said = payloads.output_text(event.outputs)
            if said and stop_text(said):
                track.clues.stopped_answer = (said, agent.name, agent.parent_agent is None)
        self._judge(track, agent)

    def _judge(self, track: RunTrack, agent: AgentSteps) -> None:
        """The agent rules over one agent execution's steps, which are then dropped."""
        steps = agent.steps
        if not steps and agent.span_id == NO_AGENT:
            return
        turns: Optional[bool] = None  # whether its agents took turns: looked at only once a rule found something
        for rule in self._rules[holds(steps)]:
            found = list(rule(agent, track.clues, self.judging))
            if not found:
                continue
            if turns is None:
                turns = any(step.turn is not None for step in steps)
            found = [_acted(finding) for finding in found] if turns else found
            self.findings.extend(_cut(found, agent) if agent.dropped else found)
        agent.steps = []

    def _handoff(self, track: RunTrack, event: EventRecord) -> None:
        """A handoff span (openai-agents: a `chain` span `handoff`, `attrs.from_agent`, `attrs.to_agent`)."""
        attrs = attrs_of(event)
        source, target = attrs.get("from_agent"), attrs.get("to_agent")
        if isinstance(source, str) and isinstance(target, str):
            track.clues.handoffs.append((event.seq, source, target))

    def _run_ended(self, track: RunTrack, event: EventRecord) -> None:
        clues = track.clues
        clues.status, clues.end_seq, clues.duration_ms = event.status, event.seq, event.duration_ms
        clues.end_span_id, clues.end_name = event.span_id, event.name
        attrs = attrs_of(event)
        clues.unrecorded = unrecorded_requests(attrs, sum(spend.calls for spend in clues.models.values()))
        code = attrs.get("exit_code")
        clues.exit_code = code if isinstance(code, int) and not isinstance(code, bool) else None
        if event.error is not None:
            clues.end_error_type, clues.end_error_message = event.error.type, payloads.cut(event.error.message)
        if track.final_rank < 1 and len(event.outputs):
            said = payloads.output_text(event.outputs)
            if said:
                clues.final_text, clues.final_seq, track.final_rank = said, event.seq, 0


def _acted(finding: Finding) -> Finding:
    """A finding over an agent execution whose agents took turns in it (a team, a group chat), named after the one
    agent its evidence shows acting; the execution's name stays when several did (the team's loop)."""
    acted = {item.agent for item in finding.evidence if item.agent is not None}
    if len(acted) != 1:
        return finding
    [name] = acted
    return finding if name == finding.agent else msgspec.structs.replace(finding, agent=name)


def _cut(found: Iterable[Finding], agent: AgentSteps) -> list[Finding]:
    """The findings over an agent whose steps were cut, each saying what its rule did not read."""
    note = note_of(len(agent.steps), agent.dropped, agent.past)
    return [msgspec.structs.replace(finding, why=finding.why + note) for finding in found]
