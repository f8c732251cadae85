"""A Semantic Kernel `ChatCompletionAgent` (`forecaster`, one tool, `Weather-get_weather`) with its OpenTelemetry
diagnostics on and an SDK tracer provider set: its `invoke_agent` span is the agent, its chat spans the LLM calls
(each request their `http` child), its `execute_tool` span the tool. With
SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS=false there are no agent and chat spans, only the tool's:
the agent is the wire's. It is asked one question, then MORE_QUESTION when that is set (a rerun that asks one
question more than was recorded)."""

from __future__ import annotations

import asyncio
import os

from semantic_kernel_weather import Weather  # first: it switches Semantic Kernel's diagnostics on

from openai import AsyncOpenAI
from semantic_kernel.agents import ChatCompletionAgent
from semantic_kernel.connectors.ai.open_ai import OpenAIChatCompletion


async def main() -> None:
    client = AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)
    agent = ChatCompletionAgent(service=OpenAIChatCompletion(ai_model_id="gpt-4o-mini", async_client=client),
                                name="forecaster", instructions="You are a weather assistant.", plugins=[Weather()])
    for question in ("What is the weather in Paris?", *filter(None, [os.environ.get("MORE_QUESTION")])):
        response = await agent.get_response(messages=question)
        print(f"answer: {response.content}")


asyncio.run(main())
