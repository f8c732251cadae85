"""What the pass keeps of a run for the diagnosis rules: one `Step` per LLM call, tool call, agent turn and error,
grouped by the agent they ran in (`AgentSteps`), and what is the run's alone (`RunClues`).

`clues.Clues` fills these from the records `Tally` reads (payloads decoded only where a rule needs them, texts cut
to `TEXT_CHARS`). An agent's steps are handed to the rules when the agent ends and then dropped, so a run of any
length keeps only its open agents' steps, `RunClues.recent` and what the rules aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import msgspec

from .consent import AskBeforeActing
from .given import Given
from .past_cut import PastCut
from .plans import Plans
from .products import Files
from .writers import Writers

TEXT_CHARS = 400  # a text kept of a step (an answer, an error message, a tool's arguments): its first characters
RECENT_STEPS = 256  # the run's last steps kept for the blame, whatever agent they ran in
OPENING_STEPS = 64  # the run's first steps kept for the blame (where a plan or a user's input begins)
MAX_ERRORS = 256  # failed steps and error events kept of a run (`RunClues.errors`); all are counted
MAX_STOP_REQUESTS = 16  # LLM calls kept whose request carried a framework's stop message (`RunClues.stop_requests`)
NO_AGENT = ""  # the agent key of steps that ran in no agent span
MAX_ACTORS = 32  # agents told apart in `RunClues.actors`; past them a run is only known to have more


class ToolAsk(msgspec.Struct, frozen=True, gc=False):
    """A tool call an LLM answer asked for."""

    name: str
    arguments: Optional[str]  # the arguments as the model wrote them (JSON text, cut to TEXT_CHARS); None: none
    call_id: Optional[str] = None  # the model's id for the call (`call_...`, `toolu_...`)
    parses: Optional[bool] = None  # the whole arguments text is JSON (an API that sends an object: True)
    # the arguments' top-level properties when they are an object: scalars as written (texts cut), an array or
    # object as an empty one of its type (enough to check `type`, `enum`, `required` against the schema)
    values: Optional[dict[str, object]] = None
    # a file write's whole text, as a digest (`products.digest`): which write made a file's content; None: no write
    digest: Optional[int] = None


class Step(msgspec.Struct, gc=False):
    """One call (or error) of the run, as the rules need it."""

    seq: int  # its start event's seq (an instant's own seq)
    end_seq: Optional[int]  # its end event's seq; None while open or for an instant
    span_id: str
    parent_id: Optional[str]
    component: str  # llm | tool | agent | http | ...
    name: str
    kind: str  # the span kind: llm_call, tool_call, agent_turn, error_occurred, ...
    address: str  # the call address `component:name#N` (model/calls.py: N counts the run's events of that op)
    agent: str  # the agent span id it ran in, NO_AGENT when none
    ts: str  # start time as written (ISO 8601)
    status: str = "started"  # completed | failed | skipped | started (never ended)
    duration_ms: Optional[float] = None
    error_type: Optional[str] = None
    error_message: Optional[str] = None  # cut to TEXT_CHARS
    error_category: Optional[str] = None  # model/error_category.py: timeout, rate_limit, parameter, ...
    handled: Optional[bool] = None  # `error.handled` as written (None: not said; analysis/handling.py decides)
    inferred: Optional[bool] = None  # `error.inferred`: a result that read as an error, nothing raised
    where: Optional[str] = None  # `get_exchange_rate (trip_agent.py:33)`: the app's innermost frame of the stack
    model: Optional[str] = None
    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    cost_usd: Optional[float] = None  # None: unknown (never 0 for unknown)
    inputs_key: Optional[int] = None  # the fingerprint of component, name and inputs (`collectors/figures.call_key`)
    outputs_key: Optional[int] = None  # a hash of the outputs' JSON: identical answers have one key
    asked: tuple[ToolAsk, ...] = ()  # llm: the tool calls the answer asked for
    offered: Optional[tuple[str, ...]] = None  # llm: the tool names the request offered; None: not recorded
    schemas_key: Optional[int] = None  # llm: key in `RunClues.schemas` of the tools' JSON schemas offered
    finish_reason: Optional[str] = None  # llm: stop, length, tool_calls, ...
    text: Optional[str] = None  # llm: the answer's text; agent_turn: its output; cut to TEXT_CHARS
    arguments: Optional[str] = None  # tool: the arguments it ran with (JSON text), cut to TEXT_CHARS
    result: Optional[str] = None  # tool: what it returned (text), cut to TEXT_CHARS
    tool_call_id: Optional[str] = None  # tool: the model's id for the call it answers
    asked_by: Optional[int] = None  # tool: seq of the LLM step whose answer asked for it (by call id), when known
    # tool: `attrs.source` ("wire": made from the request that carried its result, not from the tool running)
    source: Optional[str] = None
    # the agent whose turn it is in (the nearest `agent_turn` span's name, nearer than any agent execution; an agent
    # turn's own name): it names the agent that acted, not the system span the turns run under
    turn: Optional[str] = None


class AgentSteps(msgspec.Struct, gc=False):
    """One agent execution (or the run's steps in no agent): its name and its steps in seq order."""

    run_id: str
    span_id: str  # the agent span's id; NO_AGENT for steps in no agent
    name: Optional[str]  # the agent's name; None for NO_AGENT
    seq: int  # its start's seq
    parent_agent: Optional[str] = None  # span id of the agent it ran under, when nested
    status: str = "started"
    end_seq: Optional[int] = None
    steps: list[Step] = msgspec.field(default_factory=list)
    dropped: int = 0  # steps past `thresholds.MAX_AGENT_STEPS`, counted not kept
    past: PastCut = msgspec.field(default_factory=PastCut)  # how the LLM and tool calls among those ended


@dataclass(slots=True)
class CallRepeat:
    """A call made again with the same inputs in one run (`RunClues.repeats`)."""

    first_seq: int
    repeat_seq: int  # its first repeat's
    calls: int = 1
    identical: bool = True  # every repeat gave the first call's answer (a failed repeat does not)
    ms: float = 0.0  # the repeats' time (the calls after the first)
    cost: Optional[float] = 0.0  # the repeats' cost (LLM calls); None: unknown


@dataclass(slots=True)
class ModelSpend:
    """One model's LLM calls in a run, for the cost rules (`RunClues.models`)."""

    calls: int = 0
    cost: float = 0.0  # of its priced calls
    unpriced: int = 0  # calls without a cost
    ms: float = 0.0


class RunClues(msgspec.Struct, gc=False):
    """What the rules read of a whole run besides its agents' steps."""

    run_id: str
    index: int  # the run's place in the report (Ref packing: `findings.SEQ_BITS`)
    status: Optional[str] = None  # run_end's status; None when the run never ended
    exit_code: Optional[int] = None
    end_error_type: Optional[str] = None  # run_end's error, when the run ended with one
    end_error_message: Optional[str] = None
    end_seq: Optional[int] = None
    final_text: Optional[str] = None  # the run's final answer: the last LLM answer's text (or the root's output)
    final_seq: Optional[int] = None
    opening: list[Step] = msgspec.field(default_factory=list)  # the first OPENING_STEPS steps, seq order
    recent: list[Step] = msgspec.field(default_factory=list)  # the last RECENT_STEPS steps, any agent, seq order
    agents: dict[str, str] = msgspec.field(default_factory=dict)  # agent span id -> its name, every agent of the run
    # the agents that acted (`actors.py`): each name `evidence.agent_name` gives an LLM or tool call or an agent turn,
    # with its steps, over the whole run (the first MAX_ACTORS names; `more_actors`: a step of another came after)
    actors: dict[str, int] = msgspec.field(default_factory=dict)
    more_actors: bool = False
    errors: list[Step] = msgspec.field(default_factory=list)  # failed steps and error events, first MAX_ERRORS
    errors_seen: int = 0
    # the LLM calls whose request carried a framework's stop message (`rules/turn_limits.py` STOP_REQUESTS), each with
    # the message as sent (cut to TEXT_CHARS), the first MAX_STOP_REQUESTS - 1 and the last: the only prompt text kept
    stop_requests: list[tuple[Step, str]] = msgspec.field(default_factory=list)
    # the last agent answer that held a framework's stop text (`rules/turn_limits.py`: LangGraph's "Sorry, need more
    # steps", which the graph writes with no LLM call): (the answer, cut; the agent's name; no agent above it)
    stopped_answer: Optional[tuple[str, Optional[str], bool]] = None
    writers: Writers = msgspec.field(default_factory=Writers)  # each term's first writer, over the whole run
    files: Files = msgspec.field(default_factory=Files)  # the files its LLM answers asked to write (`products.py`)
    # its instruction to ask the user before acting, and the actions asked for without a yes (`consent.py`)
    consent: AskBeforeActing = msgspec.field(default_factory=AskBeforeActing)
    plans: Plans = msgspec.field(default_factory=Plans)  # its models' plans and the tools it offered and called
    given: Given = msgspec.field(default_factory=Given)  # the run's task and its user's words (`given.py`)
    handoffs: list[tuple[int, str, str]] = msgspec.field(default_factory=list)  # (seq, from agent, to agent)
    schemas: dict[int, dict[str, object]] = msgspec.field(default_factory=dict)  # schemas_key -> name -> schema
    # inputs_key -> the LLM and tool calls made more than once with the same inputs
    repeats: dict[int, CallRepeat] = msgspec.field(default_factory=dict)
    models: dict[str, ModelSpend] = msgspec.field(default_factory=dict)  # model -> its LLM calls
    cost_usd: Optional[float] = None  # priced LLM calls' cost; None when none was priced
    unpriced_calls: int = 0
    costliest: Optional[Step] = None  # the LLM call of the highest known cost
    slowest: Optional[Step] = None  # the LLM or tool call of the longest duration
    duration_ms: Optional[float] = None  # run_end's
    end_span_id: Optional[str] = None  # run_end's span (the run's root) and name: evidence that is the run's end
    end_name: Optional[str] = None
    unrecorded: dict[str, int] = msgspec.field(default_factory=dict)  # run_end's LLM requests no hook recorded
