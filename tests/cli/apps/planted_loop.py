"""A raw openai loop of STEPS model calls for `diagnose --experiment`'s tests: step k asks `step k of STEPS`,
the conversation carried from step to step. An answer that ends `[nonce wrong]` (the planted stub's mistake)
spoils the ledger, and the app fails only at its end, long after the mistake; with `--always-fail` it fails
whatever the model says. With `--window N` each call sends only the last N messages (the openai SDK walks every
message it is given, so a whole conversation of 1,000 steps costs the app minutes a pass: bench/experiment_cost.py).

    python planted_loop.py --base-url http://127.0.0.1:PORT/v1 [--steps 6] [--always-fail] [--model NAME] [--window N]
"""

from __future__ import annotations

import argparse

import openai


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--always-fail", action="store_true")
    parser.add_argument("--model", default="gpt-4o-mini")
    parser.add_argument("--window", type=int, default=0)  # 0: the whole conversation
    args = parser.parse_args()
    client = openai.OpenAI(base_url=args.base_url, api_key="sk-test", max_retries=0)
    messages: list = []
    for step in range(1, args.steps + 1):
        messages.append({"role": "user", "content": f"step {step} of {args.steps}: add to the ledger"})
        sent = messages[-args.window:] if args.window else messages
        answer = client.chat.completions.create(model=args.model, messages=sent).choices[0].message.content
        messages.append({"role": "assistant", "content": answer})
    if args.always_fail or any("[nonce wrong]" in message["content"] for message in messages[1::2]):
        raise SystemExit("the ledger does not balance")
    print("the ledger balances")


main()
