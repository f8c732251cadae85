"""AgenTracer's TracerTraj (arXiv 2509.03312; a team of agents): each record is one failed MetaGPT run on a KodCode
task (`history`: the team's log, every message named by its agent), with the agent and the step (an index into
`history`) of the mistake that made it fail: injected there by AgenTracer's makers, or located by their analyzer
and checked by replaying the run with the step corrected. MetaGPT logs each model call of an agent as
two messages, the prompt it built (`<agent> thinking: \n# Past Experience ...`) and the model's answer (its thoughts,
the commands it chose as a fenced JSON array, and the terminal's output after them), followed by the messages it
sent (`<agent> sends to <name>: ...`). So here:

- a root `agent_execution` span for the system (`metagpt`), the task as its input;
- a first `agent_turn` of the `user`: the message the team was given (`[Message] from User to Mike: ...`, as the
  first prompt quotes it; MetaGPT's team starts from that message, which the log shows only inside the prompts);
- one `agent_turn` per model call, named by its agent: the prompt, the answer and the messages sent after it;
- in it an `llm_call` (`chat`: the prompt in, the answer out as the model wrote it, its JSON commands in its
  text and every command among the calls it asked for, the JSON read as leniently as MetaGPT reads it; the log's
  `<agent> thinking:` cut off) and, linked to it, a `tool_call` for each command (named by the command, its
  arguments in): a `Terminal.run_command` gives back what the terminal printed for it and ends failed when that is
  a traceback, an error line or a failed test; a `publish_message` gives back the message sent. MetaGPT ran every
  command, but the log has no result for the others (an editor's write, a plan's update): they give back nothing;
- the label's step is the turn that holds the labelled message (its prompt or its answer alike). A record whose step
  is not a message of its history is skipped (counted on stderr).

Read by `blame_corpus_convert.py` (its format `tracertraj`), which writes the runs and their labels.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from blame_corpus_common import Label, ToolFailed, answered

from namel3ss_debug import span, trace_agent_turn
from namel3ss_debug.integrations.tools import run_tool
from namel3ss_debug.testing.capture import capture_events
from namel3ss_debug.tracer.api import get_tracer

PROMPT = re.compile(r"[^\n]* thinking:\s*\n# Past Experience")  # the prompt MetaGPT logs before a model call
SENT = re.compile(r"[^\n]* sends to [^\n:]*: ")  # a message an agent sent
COMMANDS = re.compile(r"```json\s*(\[.*?\])\s*```", re.S)
TERMINAL = re.compile(r"\s*Terminal output: \[command\]: (?P<command>.*?) ?\n\[command output\] : "
                      r"(?P<output>.*?)(?=\s*Terminal output: \[command\]: |\Z)", re.S)
USER_SAID = re.compile(r"\[Message\] from User to [^:\n]+: (?P<message>.*?)\s*\n(?:No Plan|\[Plan\]|\s*# Current Task)",
                       re.S)  # the goal in a prompt, up to the plan's state
TRIPLE_QUOTED = re.compile(r'"""\\?\n?(.*?)"""', re.S)  # a Python string in the model's JSON
ESCAPE = re.compile(r"\\(.?)", re.S)  # a backslash and what it escapes
EXECUTION_FAILED = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b|^(FAIL|ERROR): |"
                              r"^FAILED|command not found", re.M)


@dataclass
class TeamTurn:
    """One model call of an agent in a MetaGPT team's log: the messages it spans (indexes into the history), the
    prompt, the answer (terminal output cut off), what the terminal printed for its commands, the messages sent."""

    agent: str
    steps: list[int] = field(default_factory=list)
    prompt: Optional[str] = None
    answer: Optional[str] = None
    printed: list[tuple[str, str]] = field(default_factory=list)  # (command, output) in the order printed
    sent: list[str] = field(default_factory=list)


def team_turns(history: list[dict[str, Any]]) -> list[TeamTurn]:
    """The log as turns: a prompt starts one, and so does a new agent or a second answer; the answer and the
    messages the agent sent after it join the turn of its prompt."""
    turns: list[TeamTurn] = []
    for index, message in enumerate(history):
        agent = str(message.get("name") or message.get("role") or "agent")
        text = str(message.get("content") or "")
        cut = TERMINAL.search(text)
        said = text[:cut.start()] if cut else text
        sent = SENT.match(said)
        kind = "prompt" if PROMPT.match(text) else "sent" if sent else "answer"
        turn = turns[-1] if turns else None
        if turn is None or turn.agent != agent or kind == "prompt" or (kind == "answer" and turn.answer is not None):
            turn = TeamTurn(agent)
            turns.append(turn)
        turn.steps.append(index)
        turn.printed.extend((found["command"].strip(), found["output"]) for found in TERMINAL.finditer(text))
        if kind == "prompt":
            turn.prompt = unprefixed(text, agent)
        elif sent:
            turn.sent.append(said[sent.end():])
        else:
            turn.answer = unprefixed(said, agent)
    return turns


def unprefixed(text: str, agent: str) -> str:
    """The text without the `<agent> thinking: ` MetaGPT's log puts before a prompt and an answer."""
    prefix = f"{agent} thinking:"
    return text[len(prefix):].lstrip() if text.startswith(prefix) else text


def team_label(record: dict[str, Any], turns: list[TeamTurn], dataset: str, source: str) -> Optional[Label]:
    """The injected mistake's agent, at the turn holding the labelled message; None when the step is not one."""
    try:
        step = int(record.get("mistake_step"))  # type: ignore[arg-type]  # a str in the data; checked here
    except (TypeError, ValueError):
        return None
    for position, turn in enumerate(turns):
        if step in turn.steps:
            agent = str(record.get("mistake_agent") or turn.agent)
            number = sum(1 for earlier in turns[:position + 1] if earlier.agent == turn.agent)
            return Label(dataset, source, agent, position + 1, f"agent:{turn.agent}#{number}")  # the user's is 0
    return None


def commands_of(answer: str) -> list[dict[str, Any]]:
    """The commands of the answer's fenced JSON arrays, read as leniently as MetaGPT reads them (it ran them): a
    string in triple quotes and a backslash that escapes nothing JSON knows are mended; a block that still does
    not parse gives none."""
    commands: list[dict[str, Any]] = []
    for block in COMMANDS.finditer(answer):
        found = lenient_json(block[1])
        if isinstance(found, list):
            commands.extend(command for command in found if isinstance(command, dict))
    return commands


def lenient_json(text: str) -> Any:
    """JSON as a model writes it in MetaGPT's log: control characters in strings, a Python string in triple
    quotes, a backslash before a character JSON does not escape (a regex's `\\d`)."""
    for mended in (text, ESCAPE.sub(_escaped, TRIPLE_QUOTED.sub(lambda found: json.dumps(found[1]), text))):
        try:
            return json.loads(mended, strict=False)
        except ValueError:
            continue
    return None


def _escaped(found: re.Match[str]) -> str:
    return found[0] if found[1] and found[1] in '\\/"bfnrtu' else "\\" + found[0]


def user_message(turns: list[TeamTurn], record: dict[str, Any]) -> Any:
    """The user's message to the team, as the first prompt quotes it (`[Message] from User to Mike: ...`), or the
    task when no prompt does."""
    for turn in turns:
        said = USER_SAID.search(turn.prompt or "")
        if said:
            return said["message"]
    return record.get("question")


def record_team_run(record: dict[str, Any], system: str) -> tuple[str, list[dict[str, Any]]]:
    """A MetaGPT team's failed run as our tracer records it: its run id and its events."""
    history = [message for message in record.get("history") or [] if isinstance(message, dict)]
    with capture_events() as run:
        with span(system, "agent", event_prefix="agent_execution", inputs={"task": record.get("question")}):
            turns = team_turns(history)
            with trace_agent_turn("user", 1) as said:
                said.set_outputs({"output": user_message(turns, record)})
            counts: dict[str, int] = {}
            for position, turn in enumerate(turns, start=1):
                counts[turn.agent] = counts.get(turn.agent, 0) + 1
                with trace_agent_turn(turn.agent, counts[turn.agent]) as said:
                    said.set_outputs({"output": turn.answer, **({"sent": turn.sent} if turn.sent else {})})
                    team_model_call(turn, position)
        get_tracer().end_run("failed", reason="the solution failed the task's tests")
    return str(run.events[0]["run_id"]), list(run.events)


def team_model_call(turn: TeamTurn, position: int) -> None:
    """The turn's model call (its prompt in; its answer out as the model wrote it, and every command of it among
    the calls it asked for) and, linked to it, a tool call for each command whose outcome the log shows: a terminal
    command gives back what the terminal printed for it, a message sent gives back the message. MetaGPT ran every
    command (the next prompt's plan and editor state show what they did), but the log keeps no result of the others
    (an editor's write, a plan's update): each is a tool call that completed and gave back nothing. A call asked
    for and not recorded would read as never answered."""
    commands = commands_of(turn.answer or "")
    asked = [(f"call_{position}_{number}", str(command.get("command_name") or "command"), command.get("args"))
             for number, command in enumerate(commands)]
    with span("chat", "llm", event_prefix="llm_call",
              inputs={"messages": [{"role": "user", "content": turn.prompt}] if turn.prompt else []}) as model:
        model.set_outputs({"text": turn.answer, "tool_calls": [{"id": call_id, "name": name, "arguments": arguments}
                                                               for call_id, name, arguments in asked]})
    for (call_id, name, arguments), (output, status) in zip(asked, outcomes(turn, commands)):
        try:
            run_tool(get_tracer(), "MetaGPT", name, arguments, functools.partial(answered, output, status),
                     call_id=call_id)
        except ToolFailed:
            pass  # the span ended failed; the agent went on, as the run did


def outcomes(turn: TeamTurn, commands: list[dict[str, Any]]) -> list[tuple[Optional[str], str]]:
    """(outcome, status) of each command, in order: what the terminal printed for a terminal command, the message a
    publish sent; (None, "success") where the log shows none."""
    found: list[tuple[Optional[str], str]] = []
    printed, sent = list(turn.printed), list(turn.sent)
    for command in commands:
        name, arguments = str(command.get("command_name") or "command"), command.get("args")
        output: Optional[str] = None
        if name == "Terminal.run_command" and isinstance(arguments, dict):
            line = str(arguments.get("cmd")).strip()
            output = next((out for ran, out in printed if ran == line), None)
            if output is not None:
                printed.remove((line, output))
                found.append((output, "failed" if EXECUTION_FAILED.search(output) else "success"))
                continue
        elif name.endswith(("publish_message", "publish_team_message")) and sent:
            found.append((sent.pop(0), "success"))
            continue
        found.append((None, "success"))
    return found


def tracertraj_label(dataset: str, source: str, record: dict[str, Any]) -> tuple[Optional[Label], bool]:
    turns = team_turns([message for message in record.get("history") or [] if isinstance(message, dict)])
    label = team_label(record, turns, dataset, source)
    return label, label is None
