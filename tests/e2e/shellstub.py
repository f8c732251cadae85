"""The model the shell agent talks to (apps/shell_agent.py): an OpenAI Chat Completions stand-in on 127.0.0.1.

    with ShellStub() as stub:   # stub.url: the OPENAI_BASE_URL to give the app
    with ShellStub("fetch", {"url": "{base}/exfil"}) as stub:   # {base}: the stub's own http://127.0.0.1:PORT
        stub.gets  # the paths of the GET requests it was sent (a tool's fetch)

A request with no tool result yet is answered with one call, by default `shell({"cmd": "echo hello"})`; once a
result is in, the answer repeats it. The answer depends only on the request, so a recording and a rerun agree.
"""

from __future__ import annotations

import json
from typing import Any

from support.stubs import LoopbackServer, Reply, Request, chat_completion, json_reply, text_reply

KEY = "sk-stub-shell"


def answer(request: dict[str, Any], tool: str, arguments: dict[str, str]) -> dict[str, Any]:
    messages = request.get("messages") or []
    results = [str(m.get("content")) for m in messages if m.get("role") == "tool"]
    if not results:
        return {"role": "assistant", "content": None, "tool_calls": [{"id": "call_0", "type": "function", "function": {
            "name": tool, "arguments": json.dumps(arguments)}}]}
    return {"role": "assistant", "content": f"the tool said: {results[-1]}"}


class ShellStub(LoopbackServer):
    """The server on 127.0.0.1 (a free port), answering from a thread; a context manager."""

    def __init__(self, tool: str = "shell", arguments: dict[str, str] | None = None) -> None:
        super().__init__({"GET *": text_reply("ok"), "POST *": self._reply}, name="shell-stub", base="/v1")
        self.key = KEY
        self.tool, self.arguments = tool, arguments or {"cmd": "echo hello"}

    @property
    def gets(self) -> list[str]:
        """The paths of the GET requests it was sent (a tool's fetch)."""
        return [request.path for request in self.requests if request.method == "GET"]

    def _reply(self, request: Request) -> Reply:
        arguments = {key: value.replace("{base}", self.origin) for key, value in self.arguments.items()}
        said = answer(request.json(), self.tool, arguments)
        return json_reply(chat_completion(said, usage=(10, 5), id="chatcmpl-shell", created=1))
