"""An agent with tools that act on the machine, as many are written: the openai SDK, a loop of its own and three
plain tools (no decorator), or, with `SHELL_AGENT_DECORATED=1`, the same tools under `trace_tool_call`.

    python shell_agent.py "say hello"

- `shell(cmd)`: runs `cmd` in a shell, in the working directory;
- `write_file(path, text)`: writes `text` to `path`;
- `fetch(url)`: a GET through the standard library's urllib (not a client the tracer records).

The model is a stub on 127.0.0.1 (OPENAI_BASE_URL; tests/e2e/shellstub.py) that asks for one tool call and then
answers with the tool's result. The tests edit the recorded answer, as a stranger handing over a trace would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

from openai import OpenAI

TOOLS = [{"type": "function", "function": {"name": name, "description": name, "parameters": {
    "type": "object", "properties": {field: {"type": "string"} for field in fields}, "required": list(fields)}}}
    for name, fields in (("shell", ("cmd",)), ("write_file", ("path", "text")), ("fetch", ("url",)))]


def shell(cmd: str) -> str:
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()


def write_file(path: str, text: str) -> str:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return f"wrote {len(text)} characters"


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()[:200]
    except OSError as error:
        return f"error: {error}"


if os.environ.get("SHELL_AGENT_DECORATED") == "1":
    from namel3ss_debug import trace_tool_call

    shell, write_file, fetch = (trace_tool_call(tool) for tool in (shell, write_file, fetch))


def main(task: str) -> None:
    tools = {"shell": shell, "write_file": write_file, "fetch": fetch}
    client = OpenAI(max_retries=0)
    messages = [{"role": "user", "content": task}]
    for _ in range(3):
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0]
        if not reply.message.tool_calls:
            print(reply.message.content)
            return
        messages.append(reply.message.model_dump(exclude_none=True))
        for call in reply.message.tool_calls:
            result = tools[call.function.name](**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "say hello")
