"""A LlamaIndex `FunctionAgent` with two tools, `get_weather` and `get_time`, on LlamaIndex's `OpenAI`
LLM, asked two questions, each in a run of its own; the same agent in an `AgentWorkflow`, asked a third;
then a plain workflow whose one step calls the `get_weather` tool itself.

The server is STUB_URL with the key STUB_KEY. Each agent run asks for `get_weather`, then `get_time`,
then answers (the agent streams its LLM calls, as FunctionAgent does by default): nine POST
/v1/chat/completions. The workflow makes no request. The app prints what the tools returned to the
agent and its answer, then the workflow's result, then how many tool spans a span handler of its own
saw on LlamaIndex's dispatcher (a rerun must show the app's handlers the same). Each time a tool's body
runs it adds a line to `tool_bodies.log` in the working directory, so a test can count the bodies that ran.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from llama_index.core.agent.workflow import AgentWorkflow, FunctionAgent, ToolCallResult
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from llama_index.core.tools import FunctionTool
from llama_index.core.workflow import StartEvent, StopEvent, Workflow, step
from llama_index.llms.openai import OpenAI

WEATHER = {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}
QUESTIONS = ("What is the weather in Paris?", "Is it cold in Oslo?")
WORKFLOW_QUESTION = "Is it sunny in Rome?"
TOOL_SPANS: list[str] = []


def ran(line: str) -> None:
    with Path("tool_bodies.log").open("a") as log:
        log.write(line + "\n")


def get_weather(city: str) -> str:
    """The weather in a city today."""
    ran(f"get_weather {city}")
    return WEATHER.get(city.lower().strip("?."), "clear, 18 C")


async def get_time(city: str) -> str:
    """The local time in a city."""
    ran(f"get_time {city}")
    return {"paris": "14:05", "oslo": "14:05"}.get(city.lower().strip("?."), "09:05")


class ToolSpans(BaseSpanHandler[Any]):
    """The app's own span handler: notes each tool call LlamaIndex's dispatcher shows it."""

    def new_span(self, id_: str, bound_args: Any, instance: Any = None, parent_span_id: str | None = None,
                 tags: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if id_.startswith("FunctionTool."):
            TOOL_SPANS.append(id_)

    def prepare_to_exit_span(self, id_: str, bound_args: Any, instance: Any = None, result: Any = None,
                             **kwargs: Any) -> None:
        pass

    def prepare_to_drop_span(self, id_: str, bound_args: Any, instance: Any = None, err: Any = None,
                             **kwargs: Any) -> None:
        pass


class Lookup(Workflow):
    """A plain workflow: one step, which calls a tool itself."""

    @step
    async def look_up(self, ev: StartEvent) -> StopEvent:
        return StopEvent(result=FunctionTool.from_defaults(get_weather).call(city=ev.city).content)


async def ask(agent: FunctionAgent | AgentWorkflow, question: str) -> None:
    handler = agent.run(user_msg=question)
    returned = [f"{event.tool_name}={event.tool_output.content}" async for event in handler.stream_events()
                if isinstance(event, ToolCallResult)]
    answer = await handler
    print(f"tools: {', '.join(returned)}")
    print(f"answer: {answer}")


async def main() -> None:
    get_dispatcher().add_span_handler(ToolSpans())
    llm = OpenAI(model="gpt-4o-mini", api_base=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                 max_retries=0)
    agent = FunctionAgent(name="forecaster", description="Says the weather and the time.", llm=llm,
                          tools=[get_weather, get_time], system_prompt="Answer with the weather and the time.")
    for question in QUESTIONS:
        await ask(agent, question)
    await ask(AgentWorkflow(agents=[agent], root_agent="forecaster"), WORKFLOW_QUESTION)
    print(f"lookup: {await Lookup().run(city='Rome')}")
    print(f"dispatcher tool spans: {len(TOOL_SPANS)}")


if __name__ == "__main__":
    asyncio.run(main())
