"""What a fork checks against the recording before the app runs (`ForkPolicy.check`, `replay --rerun --fork`).

A fork names one recorded call and makes one change there (`fork.py`); a key that names no recorded call, or a
change the call cannot take (`--ask` or `--model` at a call that is no LLM request on the wire), is a usage error
(exit 2) before anything runs.
"""

from __future__ import annotations

from ..recording.calls import RecordedCall, Recording
from ..recording.endpoints import request_api
from ..recording.misses import nearest_recorded, no_such_call
from ..transport import apis
from ..transport.apis.neutral import said_of
from .fork import ASKED_FIELD, MODEL_IN_BODY, ForkError, ForkPlan


def check_fork(plan: ForkPlan, recording: Recording) -> None:
    """ForkError when the fork names no recorded call, or one that cannot take its change."""
    call = next((call for call in recording.calls if call.key == plan.call), None)
    if call is None:
        raise ForkError(f"--fork {plan.call} names no recorded call{_why_none(plan, recording)}",
                        hint="name a call of the recording, as `replay TRACE` numbers them: component:name#N")
    api = request_api(recording.timeline.event(call.start).get("attrs"))
    if plan.change == "ask" and api not in ASKED_FIELD:
        raise ForkError(f"--ask replaces the messages of an LLM request, and {plan.call} is {_what(call, api)}",
                        hint="fork at an LLM call the app made through its SDK (llm:openai.chat#N...), or use --answer")
    if plan.change == "answer" and api is not None:
        _check_answer(plan)
    if plan.change == "model" and api not in MODEL_IN_BODY:
        raise ForkError(f"--model changes the model an LLM request asks for, and {plan.call} is {_what(call, api)}",
                        hint="fork at an LLM call whose request names its model (OpenAI, Anthropic, Ollama APIs)")


def _check_answer(plan: ForkPlan) -> None:
    """An LLM request's `--answer` is a text, an assistant message, or a whole response record (`status`...)."""
    value = plan.value
    if isinstance(value, dict) and isinstance(value.get("status"), int):
        return
    try:
        said_of(value)
    except apis.AnswerShapeError as error:
        raise ForkError(f"--answer at {plan.call}, an LLM request: {error}",
                        hint="e.g. --answer 'Take an umbrella.', or a whole response record with its status") \
            from None


def _why_none(plan: ForkPlan, recording: Recording) -> str:
    """`: tool:search was called 2 times, so there is no #3`, or the nearest keys, or nothing."""
    address = plan.address
    same = [call for call in recording.calls if (call.component, call.name) == (address.component, address.name)]
    if same:
        return f": {no_such_call(f'{address.component}:{address.name}', len(same), address.number)}"
    near = nearest_recorded(plan.call, (call.key for call in recording.calls))
    return f" (nearest: {', '.join(near)})" if near else ""


def _what(call: RecordedCall, api: str | None) -> str:
    if api is not None:
        return f"a {api} request, which this change does not apply to"
    return "a call of the app's own code, not a request on the wire" if call.component == "llm" else \
        f"a {call.component} call"
