"""Three "agents" run together under `asyncio.gather`, each on raw `AsyncOpenAI` chat completions,
with no spans: each asks its own question, then a follow-up quoting its first answer.

The server is STUB_URL with the key STUB_KEY. Six requests, all POST /v1/chat/completions, in an
order the event loop decides; the answers are printed in the agents' order.
"""

from __future__ import annotations

import asyncio
import os

from openai import AsyncOpenAI

QUESTIONS = {"planner": "Plan a trip to Lisbon.", "critic": "What could go wrong on a trip?",
             "booker": "Which hotel is near the river?"}


async def agent(client: AsyncOpenAI, name: str, question: str) -> str:
    messages = [{"role": "system", "content": f"You are the {name}."}, {"role": "user", "content": question}]
    first = await client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    answer = first.choices[0].message.content or ""
    messages += [{"role": "assistant", "content": answer}, {"role": "user", "content": f"Say more about: {answer}"}]
    second = await client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    return second.choices[0].message.content or ""


async def main() -> None:
    client = AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)
    answers = await asyncio.gather(*(agent(client, name, question) for name, question in QUESTIONS.items()))
    for name, answer in zip(QUESTIONS, answers):
        print(f"agent {name}: {answer}")


if __name__ == "__main__":
    asyncio.run(main())
