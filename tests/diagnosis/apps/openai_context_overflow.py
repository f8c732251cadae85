"""The openai SDK: a chat that appends a whole chapter to the conversation every turn; the prompt grows to 41k,
83k and 124k tokens of gpt-4o-mini's 128k window, and the fourth request is refused with
`context_length_exceeded`, which the app does not catch. Kind: context_overflow."""

from __future__ import annotations

from openai import OpenAI
from scripted_stub import ScriptedStub, fail, say

OVERFLOW = fail(400, "context_length_exceeded", "This model's maximum context length is 128000 tokens. However, "
                "your messages resulted in 165312 tokens. Please reduce the length of the messages.")


def main() -> None:
    script = [say("Noted chapter 1.", 41_000), say("Noted chapter 2.", 83_000), say("Noted chapter 3.", 124_000),
              OVERFLOW]
    with ScriptedStub(script) as stub:
        client = OpenAI(base_url=stub.url + "/v1", api_key=stub.key, max_retries=0)
        messages = [{"role": "system", "content": "Summarize the book as it is read to you."}]
        for chapter in range(1, 5):
            messages.append({"role": "user", "content": f"Chapter {chapter}: " + "words " * 200})
            reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
            messages.append({"role": "assistant", "content": reply.choices[0].message.content})
    print("summary done")


if __name__ == "__main__":
    main()
