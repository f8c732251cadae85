"""The openai SDK: a batch of five summaries sent at once, four of them refused with 429 (rate limit) within a
second; the app reports the ones it could not get. Kind: rate_limit_burst."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from openai import OpenAI, RateLimitError
from scripted_stub import ScriptedStub, fail, say

LIMIT = fail(429, "rate_limit_exceeded", "Rate limit reached for gpt-4o-mini: 3 requests per min. Please try again.")


def summarize(client: OpenAI, text: str) -> str:
    try:
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content or ""
    except RateLimitError:
        return "(rate limited)"


def main() -> None:
    documents = [f"Summarize report {n} of the quarter." for n in range(5)]
    with ScriptedStub([say("A short summary."), LIMIT]) as stub:
        client = OpenAI(base_url=stub.url + "/v1", api_key=stub.key, max_retries=0)
        with ThreadPoolExecutor(5) as pool:
            summaries = list(pool.map(lambda text: summarize(client, text), documents))
    print(f"summaries: {summaries}")


if __name__ == "__main__":
    main()
