"""Three pydantic-ai agents run together under `asyncio.gather` on one `OpenAIChatModel`: each asks
its own question, then a follow-up in the same conversation (its first run's message history).

The server is STUB_URL with the key STUB_KEY. Six requests, all POST /v1/chat/completions, in an
order the event loop decides; the answers are printed in the agents' order.
"""

from __future__ import annotations

import asyncio
import os

from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

QUESTIONS = {"planner": "Plan a trip to Lisbon.", "critic": "What could go wrong on a trip?",
             "booker": "Which hotel is near the river?"}


async def ask(agent: Agent, question: str) -> str:
    first = await agent.run(question)
    second = await agent.run(f"Say more about: {first.output}", message_history=first.all_messages())
    return second.output


async def main() -> None:
    provider = OpenAIProvider(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"])
    model = OpenAIChatModel("gpt-4o-mini", provider=provider)
    agents = {name: Agent(model, instructions=f"You are the {name}.", name=name) for name in QUESTIONS}
    answers = await asyncio.gather(*(ask(agents[name], question) for name, question in QUESTIONS.items()))
    for name, answer in zip(QUESTIONS, answers):
        print(f"agent {name}: {answer}")


if __name__ == "__main__":
    asyncio.run(main())
