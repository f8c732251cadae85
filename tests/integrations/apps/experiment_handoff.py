"""A two-agent openai-agents app for `diagnose --experiment`'s tests: a clerk keeps the ledger for the first steps,
then hands it to an auditor (a real handoff) who keeps it to the end. Each step is one `Runner.run_sync`, its input
the conversation so far (`result.to_input_list()`) and a last user message `step k of STEPS: ...`:
- steps 1 to HANDOVER - 1: the clerk (no tools) answers with text;
- step HANDOVER: the clerk, now given its handoff to the auditor, asks for `transfer_to_auditor` (the stub asks
  for the first tool offered), and the auditor answers the step: two requests;
- the steps after: the auditor (no tools) answers with text.
An answer ending `[nonce wrong]` (the planted stub's mistake) spoils the ledger, and the app fails only at its end,
after the auditor's steps; with `--always-fail` it fails whatever the model said. STEPS + 1 requests, all
POST /v1/responses on STUB_URL with the key STUB_KEY; the SDK's tracing export is off.

    python experiment_handoff.py [--steps 5] [--handover 3] [--always-fail]
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
    parser.add_argument("--handover", type=int, default=3)
    parser.add_argument("--always-fail", action="store_true")
    args = parser.parse_args()
    set_tracing_disabled(True)
    set_default_openai_client(AsyncOpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"],
                                          max_retries=0))
    auditor = Agent(name="auditor", instructions="Check each step and add it to the ledger.", model="gpt-4o-mini")
    clerk = Agent(name="clerk", instructions="Add each step to the ledger.", model="gpt-4o-mini")
    conversation: list = []
    answers = []
    for step in range(1, args.steps + 1):
        if step < args.handover:
            agent, asked = clerk, "add to the ledger"
        elif step == args.handover:
            agent, asked = clerk.clone(handoffs=[auditor]), "hand the ledger to the auditor"
        else:
            agent, asked = auditor, "add to the ledger"
        result = Runner.run_sync(agent, [*conversation, {"role": "user", "content": f"step {step} of {args.steps}: "
                                                                                    f"{asked}"}])
        conversation = result.to_input_list()
        answers.append(f"{result.last_agent.name}: {result.final_output}")
    print("\n".join(answers))
    if args.always_fail or any(WRONG in answer for answer in answers):
        raise SystemExit("the ledger does not balance")
    print("the ledger balances")


if __name__ == "__main__":
    main()
