"""Decorated: a `reader` agent whose LLM calls (gpt-4o-mini, a 128k window) report 60k, 90k and then 112k prompt
tokens: the last at 87% of the window, with room for about one more turn. Kind: context_near_limit."""

from __future__ import annotations

from namel3ss_debug import trace_agent_execution, trace_llm_call

PROMPT_TOKENS = (60_000, 90_000, 112_000)


@trace_llm_call(name="reader", model="gpt-4o-mini")
def read(messages: list[dict], turn: int) -> dict:
    return {"text": f"Noted part {turn}.", "model": "gpt-4o-mini",
            "usage": {"input_tokens": PROMPT_TOKENS[turn], "output_tokens": 40}}


@trace_agent_execution(name="reader")
def run() -> str:
    messages: list[dict] = [{"role": "system", "content": "Read the contract and note its risks."}]
    answer = ""
    for turn in range(3):
        messages.append({"role": "user", "content": f"Part {turn + 1} of the contract."})
        answer = read(messages, turn)["text"]
        messages.append({"role": "assistant", "content": answer})
    return answer


if __name__ == "__main__":
    print(run())
