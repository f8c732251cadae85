"""A refund agent on the openai SDK whose model writes a plan of three steps (look the order up, refund it, email
the receipt), carries out two, and answers that all is done: the receipt is never sent. The run completes. Kind:
plan_step_skipped, at the answer that went on without the step (`llm:openai.chat#3`).

`openai_plan_carried_out.py` runs the same agent on a script where the model carries out every step."""

from __future__ import annotations

import json

from openai import OpenAI
from scripted_stub import ScriptedStub, Turn, ask, say

from namel3ss_debug import trace_agent_execution, trace_tool_call

PROMPT = "You are a billing agent. Use the tools to handle the customer's request."
TOOLS = [{"type": "function", "function": {
    "name": name, "description": description,
    "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]}}}
    for name, description in (("get_order", "An order's items, price and status."),
                              ("issue_refund", "Refund an order's price to the customer's card."),
                              ("send_receipt", "Email the customer the receipt of a refund."))]
PLAN = ("Here is my plan:\n1. Look the order up with get_order.\n2. Refund it with issue_refund.\n"
        "3. Email the customer the receipt with send_receipt.")
ORDERS = {"#W7": {"status": "delivered", "price": 54.0, "refunded": False, "receipt_sent": False}}
SCRIPT: list[Turn] = [{**ask("get_order", order_id="#W7"), "text": PLAN}, ask("issue_refund", order_id="#W7"),
                      say("Your order #W7 has been refunded ($54.00) and the receipt is on its way.")]


@trace_tool_call
def get_order(order_id: str) -> str:
    return json.dumps(ORDERS[order_id])


@trace_tool_call
def issue_refund(order_id: str) -> str:
    ORDERS[order_id]["refunded"] = True
    return json.dumps(ORDERS[order_id])


@trace_tool_call
def send_receipt(order_id: str) -> str:
    ORDERS[order_id]["receipt_sent"] = True
    return json.dumps({"sent": True})


RUN = {"get_order": get_order, "issue_refund": issue_refund, "send_receipt": send_receipt}


@trace_agent_execution(name="billing")
def billing(client: OpenAI, said: str) -> str:
    """The model's answers, tools run, until it answers with no tool call."""
    messages = [{"role": "system", "content": PROMPT}, {"role": "user", "content": said}]
    while True:
        answer = client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=TOOLS).choices[0]
        messages.append(answer.message.model_dump(exclude_none=True))
        if not answer.message.tool_calls:
            return answer.message.content or ""
        messages += [{"role": "tool", "tool_call_id": call.id,
                      "content": RUN[call.function.name](**json.loads(call.function.arguments))}
                     for call in answer.message.tool_calls]


def main(script: list[Turn]) -> None:
    with ScriptedStub(script) as stub:
        client = OpenAI(base_url=stub.url + "/v1", api_key=stub.key, max_retries=0)
        print(billing(client, "Please refund order #W7 and email me the receipt."))


if __name__ == "__main__":
    main(SCRIPT)
