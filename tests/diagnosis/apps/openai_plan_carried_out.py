"""The agent of `openai_plan_step_skipped.py` on a script where the model carries out every step of its plan: the
order looked up, refunded, the receipt sent. Healthy: no finding above info."""

from __future__ import annotations

from openai_plan_step_skipped import PLAN, main
from scripted_stub import Turn, ask, say

SCRIPT: list[Turn] = [{**ask("get_order", order_id="#W7"), "text": PLAN}, ask("issue_refund", order_id="#W7"),
                      ask("send_receipt", order_id="#W7"),
                      say("Your order #W7 has been refunded ($54.00) and the receipt is in your inbox.")]

if __name__ == "__main__":
    main(SCRIPT)
