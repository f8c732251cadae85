"""OpenAI chat completions made with plain `requests.post`: a question, a follow-up quoting its
answer, then a streamed question read as server-sent events.

The server is STUB_URL with the key STUB_KEY. Three requests, all POST /v1/chat/completions.
"""

from __future__ import annotations

import json
import os

import requests


def chat(session: requests.Session, messages: list[dict], **options: object) -> requests.Response:
    response = session.post(os.environ["STUB_URL"] + "/v1/chat/completions", timeout=30, stream=bool(options),
                            json={"model": "gpt-4o-mini", "messages": messages, **options},
                            headers={"Authorization": f"Bearer {os.environ['STUB_KEY']}"})
    response.raise_for_status()
    return response


def streamed_text(response: requests.Response) -> str:
    pieces = []
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("data: ") and line != "data: [DONE]":
            pieces += [choice["delta"].get("content") or "" for choice in json.loads(line[6:])["choices"]]
    return "".join(pieces)


def main() -> None:
    with requests.Session() as session:
        messages = [{"role": "user", "content": "What is the capital of France?"}]
        first = chat(session, messages).json()["choices"][0]["message"]["content"]
        print(f"answer: {first}")
        messages += [{"role": "assistant", "content": first}, {"role": "user", "content": "And of Spain?"}]
        print(f"answer: {chat(session, messages).json()['choices'][0]['message']['content']}")
        streamed = chat(session, [{"role": "user", "content": "Name a river."}], stream=True)
        print(f"answer: {streamed_text(streamed)}")


if __name__ == "__main__":
    main()
