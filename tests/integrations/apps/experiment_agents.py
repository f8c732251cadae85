"""An openai-agents app of STEPS model calls for `diagnose --experiment`'s tests: one Agent (no tools, so the stub
answers every request with text) run once a step with `Runner.run_sync`, its input the conversation so far
(`result.to_input_list()`) and a last user message `step k of STEPS: add to the ledger`. An answer ending
`[nonce wrong]` (the planted stub's mistake) spoils the ledger, and the app fails only at its end, after every
step; with `--always-fail` it fails whatever the model said.

The Agent uses the Responses API (POST /v1/responses) through an `AsyncOpenAI` client on STUB_URL with the key
STUB_KEY; the SDK's tracing export is off.

    python experiment_agents.py [--steps 5] [--always-fail]
"""

from __future__ import annotations

import argparse
import os

from agents import Agent, Runner, set_default_openai_client, set_tracing_disabled
from openai import AsyncOpenAI

WRONG = "[nonce wrong]"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--always-fail", action="store_true")
    args = parser.parse_args()
    set_tracing_disabled(True)
    set_default_openai_client(AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                                          max_retries=0))
    clerk = Agent(name="clerk", instructions="Add each step to the ledger.", model="gpt-4o-mini")
    conversation: list = []
    answers = []
    for step in range(1, args.steps + 1):
        asked = [*conversation, {"role": "user", "content": f"step {step} of {args.steps}: add to the ledger"}]
        result = Runner.run_sync(clerk, asked)
        conversation = result.to_input_list()
        answers.append(str(result.final_output))
    if args.always_fail or any(WRONG in answer for answer in answers):
        raise SystemExit("the ledger does not balance")
    print("the ledger balances")


if __name__ == "__main__":
    main()
