"""planted_loop.py's loop as a function a test can import: `run(base_url, steps)` asks `step k of STEPS` for k = 1
to STEPS, the conversation carried from step to step, and says whether the ledger balances (no answer ends
`[nonce wrong]`, the planted stub's mistake). Run as a script it is the app the experiment forks; imported, it is the
code a golden test runs, answered from one of those forks.

    python planted_ledger.py --base-url http://127.0.0.1:PORT/v1 [--steps 6]
"""

from __future__ import annotations

import argparse

import openai


def run(base_url: str, steps: int = 6, model: str = "gpt-4o-mini") -> bool:
    """Whether the ledger balances after `steps` calls to the model at `base_url`."""
    client = openai.OpenAI(base_url=base_url, api_key="sk-test", max_retries=0)
    messages: list[dict[str, str]] = []
    for step in range(1, steps + 1):
        messages.append({"role": "user", "content": f"step {step} of {steps}: add to the ledger"})
        answer = client.chat.completions.create(model=model, messages=messages).choices[0].message.content
        messages.append({"role": "assistant", "content": answer})
    return not any("[nonce wrong]" in message["content"] for message in messages[1::2])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()
    if not run(args.base_url, args.steps):
        raise SystemExit("the ledger does not balance")
    print("the ledger balances")
