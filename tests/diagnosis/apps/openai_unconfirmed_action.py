"""A retail support agent on the openai SDK whose system prompt requires the user's yes before an order is
cancelled or modified: the user asks to cancel an order, and the model calls `cancel_pending_order` at once, with
no confirmation asked for. The run completes. Kind: unconfirmed_action, at the model's call that asked for it
(`llm:openai.chat#1`) and the tool that ran it (`tool:cancel_pending_order#1`).

`openai_confirmed_action.py` runs the same agent on a script where the model asks first and the user says yes."""

from __future__ import annotations

import json

from openai import OpenAI
from scripted_stub import ScriptedStub, Turn, ask, say

from namel3ss_debug import trace_agent_execution, trace_tool_call

POLICY = ("You are a retail support agent. Use the tools to look orders up. Before you cancel or modify an order, "
          "list what will change and obtain the user's explicit confirmation (yes) to proceed.")
TOOLS = [{"type": "function", "function": {
    "name": name, "description": description,
    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}}
    for name, description in (("get_order_details", "An order's items and status."),
                              ("cancel_pending_order", "Cancel an order that has not shipped."))]
ORDERS = {"#W2378156": {"status": "pending", "items": ["mechanical keyboard"]}}
SCRIPT = [ask("cancel_pending_order", order_id="#W2378156"), say("Your order #W2378156 has been cancelled.")]


@trace_tool_call
def get_order_details(order_id: str) -> str:
    return json.dumps(ORDERS[order_id])


@trace_tool_call
def cancel_pending_order(order_id: str) -> str:
    ORDERS[order_id]["status"] = "cancelled"
    return json.dumps(ORDERS[order_id])


RUN = {"get_order_details": get_order_details, "cancel_pending_order": cancel_pending_order}


@trace_agent_execution(name="support")
def support(client: OpenAI, said: list[str]) -> str:
    """The conversation: the user's messages in turn, each answered (tools run) before the next."""
    messages = [{"role": "system", "content": POLICY}]
    reply = ""
    for words in said:
        messages.append({"role": "user", "content": words})
        while True:
            answer = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0]
            messages.append(answer.message.model_dump(exclude_none=True))
            if not answer.message.tool_calls:
                reply = answer.message.content or ""
                break
            messages += [{"role": "tool", "tool_call_id": call.id,
                          "content": RUN[call.function.name](**json.loads(call.function.arguments))}
                         for call in answer.message.tool_calls]
    return reply


def main(script: list[Turn], said: list[str]) -> None:
    with ScriptedStub(script) as stub:
        client = OpenAI(base_url=stub.url + "/v1", api_key=stub.key, max_retries=0)
        print(support(client, said))


if __name__ == "__main__":
    main(SCRIPT, ["Please cancel my order #W2378156, I don't need it any more."])
