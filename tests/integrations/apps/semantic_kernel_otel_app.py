"""A Semantic Kernel chat completion with automatic function calling (one tool, `weather-get_weather`), its
OpenTelemetry diagnostics on and an SDK tracer provider set: its chat spans get their GenAI attributes after
they start, and its `execute_tool` span never carries the tool's result, which the next request does."""

from __future__ import annotations

import asyncio
import os

from semantic_kernel_weather import Weather  # first: it switches Semantic Kernel's diagnostics on

from openai import AsyncOpenAI
from semantic_kernel import Kernel
from semantic_kernel.connectors.ai.function_choice_behavior import FunctionChoiceBehavior
from semantic_kernel.connectors.ai.open_ai import (
    OpenAIChatCompletion,
    OpenAIChatPromptExecutionSettings,
)
from semantic_kernel.contents import ChatHistory


async def main() -> None:
    kernel = Kernel()
    client = AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)
    service = OpenAIChatCompletion(ai_model_id="gpt-4o-mini", async_client=client)
    kernel.add_service(service)
    kernel.add_plugin(Weather(), plugin_name="weather")
    history = ChatHistory(system_message="You are a weather assistant.")
    history.add_user_message("What is the weather in Paris?")
    settings = OpenAIChatPromptExecutionSettings(function_choice_behavior=FunctionChoiceBehavior.Auto())
    print(await service.get_chat_message_content(history, settings, kernel=kernel))


asyncio.run(main())
