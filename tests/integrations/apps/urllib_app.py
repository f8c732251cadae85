"""An OpenAI chat completion made with `urllib.request`, a client the tracer does not record:
a question, then a follow-up quoting its answer.

The server is STUB_URL with the key STUB_KEY. Two requests, both POST /v1/chat/completions.
"""

from __future__ import annotations

import json
import os
import urllib.request


def chat(messages: list[dict]) -> str:
    request = urllib.request.Request(
        os.environ["STUB_URL"] + "/v1/chat/completions", method="POST",
        data=json.dumps({"model": "gpt-4o-mini", "messages": messages}).encode(),
        headers={"Authorization": f"Bearer {os.environ['STUB_KEY']}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["choices"][0]["message"]["content"]


def main() -> None:
    messages = [{"role": "user", "content": "What is the capital of France?"}]
    first = chat(messages)
    print(f"answer: {first}")
    messages += [{"role": "assistant", "content": first}, {"role": "user", "content": "And of Spain?"}]
    print(f"answer: {chat(messages)}")


if __name__ == "__main__":
    main()
