"""An MCP client app: it starts mcp_weather_server.py over stdio, offers the server's tools to the model
(the openai SDK's chat completions on STUB_URL, key STUB_KEY) as functions, calls the tool the model
asks for through `ClientSession.call_tool`, and sends the result back for the answer.

Two questions, each two requests (a tool call, then the answer): four POST /v1/chat/completions and two
MCP tool calls, the second an `is_error` result (the server knows no weather in Atlantis). The server
counts its tool bodies in the file MCP_TOOL_CALLS names (default: mcp_tool_calls.txt in the working
directory).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from openai import AsyncOpenAI

SERVER = Path(__file__).resolve().with_name("mcp_weather_server.py")
QUESTIONS = ("What is the weather in Lisbon?", "Is it raining in Atlantis?")


def as_function(tool: object) -> dict:
    return {"type": "function", "function": {"name": tool.name, "description": tool.description or "",
                                             "parameters": tool.input_schema}}


def text_of(result: object) -> str:
    return " ".join(block.text for block in result.content if getattr(block, "type", None) == "text")


async def ask(client: AsyncOpenAI, session: ClientSession, functions: list[dict], question: str) -> str:
    messages: list[dict] = [{"role": "user", "content": question}]
    first = await client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=functions)
    message = first.choices[0].message
    messages.append(message.model_dump(exclude_none=True))
    for call in message.tool_calls or []:
        result = await session.call_tool(call.function.name, json.loads(call.function.arguments))
        print(f"tool {call.function.name} -> {type(result).__name__}: {text_of(result)} (is_error={result.is_error})")
        messages.append({"role": "tool", "tool_call_id": call.id, "content": text_of(result)})
    final = await client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=functions)
    return final.choices[0].message.content


async def main() -> None:
    calls = os.environ.get("MCP_TOOL_CALLS") or str(Path.cwd() / "mcp_tool_calls.txt")
    params = StdioServerParameters(command=sys.executable, args=[str(SERVER)], env={"MCP_TOOL_CALLS": calls})
    client = AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        functions = [as_function(tool) for tool in (await session.list_tools()).tools]
        for question in QUESTIONS:
            print(f"answer: {await ask(client, session, functions, question)}")


if __name__ == "__main__":
    asyncio.run(main())
