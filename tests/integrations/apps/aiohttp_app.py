"""OpenAI chat completions made with `aiohttp`: two questions asked together under `asyncio.gather`,
then a streamed one read as server-sent events.

The server is STUB_URL with the key STUB_KEY. Three requests, all POST /v1/chat/completions.
"""

from __future__ import annotations

import asyncio
import json
import os

import aiohttp


def endpoint() -> tuple[str, dict[str, str]]:
    """The chat completions URL and the headers that carry the key."""
    return os.environ["STUB_URL"] + "/v1/chat/completions", {"Authorization": f"Bearer {os.environ['STUB_KEY']}"}


async def ask(session: aiohttp.ClientSession, question: str) -> str:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]}
    url, headers = endpoint()
    async with session.post(url, json=body, headers=headers) as response:
        response.raise_for_status()
        return (await response.json())["choices"][0]["message"]["content"]


async def ask_streamed(session: aiohttp.ClientSession, question: str) -> str:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}], "stream": True}
    pieces = []
    url, headers = endpoint()
    async with session.post(url, json=body, headers=headers) as response:
        response.raise_for_status()
        async for raw in response.content:
            line = raw.decode().strip()
            if line.startswith("data: ") and line != "data: [DONE]":
                pieces += [choice["delta"].get("content") or "" for choice in json.loads(line[6:])["choices"]]
    return "".join(pieces)


async def main() -> None:
    async with aiohttp.ClientSession() as session:
        answers = await asyncio.gather(ask(session, "What is the capital of France?"), ask(session, "And of Spain?"))
        for answer in answers:
            print(f"answer: {answer}")
        print(f"answer: {await ask_streamed(session, 'Name a river.')}")


if __name__ == "__main__":
    asyncio.run(main())
