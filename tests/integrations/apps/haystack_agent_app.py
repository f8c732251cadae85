"""A Haystack `Agent` (no hook of ours: Haystack is seen only on the wire) with the two tools of the raw-loop
apps, on its OpenAI chat generator against the stub server: three requests, two tools run by Haystack."""

from __future__ import annotations

from haystack.components.agents import Agent
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage
from haystack.tools import Tool
from haystack.utils import Secret
from wire_tools import DESCRIPTIONS, PARAMETERS, QUESTION, TOOLS, settings

url, key = settings()
generator = OpenAIChatGenerator(api_key=Secret.from_token(key), api_base_url=f"{url}/v1", model="gpt-4o-mini")
tools = [Tool(name=name, description=DESCRIPTIONS[name], parameters=PARAMETERS, function=TOOLS[name])
         for name in DESCRIPTIONS]
agent = Agent(chat_generator=generator, tools=tools,
              system_prompt="You are a weather assistant. Answer with the tools' results.")
agent.warm_up()
result = agent.run(messages=[ChatMessage.from_user(QUESTION)])
print(result["messages"][-1].text)
