"""An agent that acts on the model's text with no tool hook, as ReAct loops are often written: it asks the model for
a plan, parses `Action: shell(CMD)` out of the answer and runs CMD with a plain function, then asks for a verdict
and exits 1 unless the model says `ok`.

    python text_action_agent.py

The model is a stub on 127.0.0.1 (OPENAI_BASE_URL; tests/e2e/test_stranger_laundering.py): its first answer holds
the action, its second the verdict. Nothing here is a tool to the tracer: the rerun sees two LLM calls only.
"""

from __future__ import annotations

import re
import subprocess
import sys

from openai import OpenAI

ACTION = re.compile(r"Action: shell\((.*)\)")


def shell(cmd: str) -> str:
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()


def ask(client: OpenAI, text: str) -> str:
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
    return reply.choices[0].message.content or ""


def main() -> int:
    client = OpenAI(max_retries=0)
    plan = ask(client, "plan")
    found = ACTION.search(plan)
    observed = shell(found.group(1)) if found else ""
    verdict = ask(client, f"observed: {observed}")
    print(verdict)
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
