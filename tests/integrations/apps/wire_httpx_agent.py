"""An agent framework nobody hooked, in a few lines: its own tool loop over httpx, speaking OpenAI Chat
Completions to the server itself (no SDK). Three requests."""

from __future__ import annotations

import httpx
from wire_tools import DESCRIPTIONS, PARAMETERS, QUESTION, run_tool, settings


class TinyAgent:
    """Asks the model, runs the tools it asks for, sends their results, until it answers in words."""

    def __init__(self, url: str, key: str):
        self.http = httpx.Client(base_url=f"{url}/v1", headers={"Authorization": f"Bearer {key}"})
        self.tools = [{"type": "function", "function": {"name": n, "description": d, "parameters": PARAMETERS}}
                      for n, d in DESCRIPTIONS.items()]

    def run(self, question: str) -> str:
        messages: list[dict] = [{"role": "user", "content": question}]
        while True:
            body = {"model": "gpt-4o-mini", "messages": messages, "tools": self.tools}
            message = self.http.post("/chat/completions", json=body).json()["choices"][0]["message"]
            if not message.get("tool_calls"):
                return message["content"]
            messages.append(message)
            messages.extend({"role": "tool", "tool_call_id": call["id"],
                             "content": run_tool(call["function"]["name"], call["function"]["arguments"])}
                            for call in message["tool_calls"])


print(TinyAgent(*settings()).run(QUESTION))
