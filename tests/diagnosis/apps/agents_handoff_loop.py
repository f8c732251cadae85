"""openai-agents: `triage` hands the question to `billing`, which hands it back, three round trips with no tool run
and no answer in between, then billing answers. Kind: handoff_loop."""

from __future__ import annotations

from agents import Agent, OpenAIChatCompletionsModel, Runner, set_tracing_disabled
from openai import AsyncOpenAI
from scripted_stub import ScriptedStub, ask, say


def main() -> None:
    set_tracing_disabled(True)
    round_trip = [ask("transfer_to_billing"), ask("transfer_to_triage")]
    script = round_trip * 3 + [ask("transfer_to_billing"), say("Your invoice is attached.")]
    with ScriptedStub(script) as stub:
        client = AsyncOpenAI(base_url=stub.url + "/v1", api_key=stub.key, max_retries=0)
        model = OpenAIChatCompletionsModel(model="gpt-4o-mini", openai_client=client)
        billing = Agent(name="billing", instructions="Answer billing questions.", model=model)
        triage = Agent(name="triage", instructions="Route the question.", model=model, handoffs=[billing])
        billing.handoffs = [triage]
        result = Runner.run_sync(triage, "Where is my invoice?", max_turns=20)
    print(f"answer from {result.last_agent.name}: {result.final_output}")


if __name__ == "__main__":
    main()
