"""The names of a run's agents from the wire (`agents.py`): what the app named, else their tools, never a prompt.

A wire agent's name is a step of the path of every call under it (`agent:NAME#1 > llm:openai.chat#2`), by which
a rerun, a fork, `verify`, `bisect` and a golden test pair calls; a name made of the system prompt's words would
change with every edit of the prompt and move every call. So an agent is named:
- by the app, where its request carries a name: the `name` of a system or developer message (OpenAI chat, Ollama),
  else of an assistant message (the name the app gives the model's own turns). The Responses, Anthropic and Gemini
  APIs carry no name of an agent;
- else by the tools it is offered, which an edit of the prompt leaves alone: `agent(get_time, get_weather)`, the
  first three in order and a count of the others (`agent(a, b, c, +2)`). Agents of one run offered the same tools
  under different system prompts are told apart by a number, in the order they first appear:
  `agent(get_weather)`, `agent(get_weather) 2`; the same system prompt and tools is the same agent again. A rerun
  whose prompts were edited sees its agents appear in the same order, so it names them as the recording did.
"""

from __future__ import annotations

from .apis.dialogue import Dialogue

MAX_TOOLS_NAMED = 3
MAX_REMEMBERED = 1024  # agents (system prompt and tools) whose number is kept; past it, each is numbered anew


class AgentNames:
    """The names given to the agents of one run (asked under its conversations' lock)."""

    def __init__(self) -> None:
        self._given: dict[tuple[str | None, tuple[str, ...]], str] = {}  # system prompt and tools -> name
        self._counts: dict[str, int] = {}  # agents named by each tool set's name

    def name(self, said: Dialogue) -> str:
        """The name of the agent whose conversation `said` begins.

        >>> names = AgentNames()
        >>> said = Dialogue("You are a weather assistant.", ("get_weather",), (), frozenset(), False)
        >>> names.name(said), names.name(said._replace(system="You research."))
        ('agent(get_weather)', 'agent(get_weather) 2')
        """
        if said.name:
            return said.name
        agent = (said.system, said.tools)
        found = self._given.get(agent)
        if found is None:
            base = tools_name(said.tools)
            count = self._counts[base] = self._counts.get(base, 0) + 1
            found = base if count == 1 else f"{base} {count}"
            if len(self._given) < MAX_REMEMBERED:
                self._given[agent] = found
        return found


def tools_name(tools: tuple[str, ...]) -> str:
    """`agent(a, b)`: an agent by the tools it is offered (sorted), the first `MAX_TOOLS_NAMED` and a count of more.

    >>> tools_name(("a", "b", "c", "d")), tools_name(())
    ('agent(a, b, c, +1)', 'agent')
    """
    if not tools:
        return "agent"
    shown = list(tools[:MAX_TOOLS_NAMED])
    if len(tools) > MAX_TOOLS_NAMED:
        shown.append(f"+{len(tools) - MAX_TOOLS_NAMED}")
    return f"agent({', '.join(shown)})"
