"""What `replay --rerun --fork` checks before the app runs, and how a fork's command ends.

A fork names one recorded call and makes one change there (`rerun/fork.py`); a key that names no recorded
call, or a change the call cannot take (`--ask` or `--model` at a call that is no LLM request on the wire),
is a usage error (exit 2) before anything runs.
"""

from __future__ import annotations

import orjson

from ..model.json_types import JsonValue
from ..recording.endpoints import request_api
from ..recording.misses import nearest_recorded, no_such_call
from ..rerun.fork import ASKED_FIELD, MODEL_IN_BODY, ForkError, ForkPlan, fork_plan
from ..recording.calls import RecordedCall, Recording
from ..judging.report import RerunReport
from ..transport import apis
from ..transport.apis.neutral import said_of

MAX_VALUE = 64 << 20  # as a mock file's limit


def check_fork(plan: ForkPlan, recording: Recording) -> RecordedCall:
    """The recorded call the fork names; ForkError when there is none, or when it cannot take the change."""
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
    return call


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


def fork_exit_code(report: RerunReport, app_exit_code: int) -> int:
    """A fork's exit code: 1 when a call missed (one `--offline` could not answer, a tool the recording lacks),
    the network was used outside the calls it let through, or the app failed; else 0. Calls that ran live are
    what a fork asks for, not a failure (the report still says the run was not reproduced)."""
    network = report.network
    failed = report.misses or app_exit_code != 0 or (network is not None and network.not_reproduced is not None)
    return 1 if failed else 0



def make_fork(call: str | None, answer: str | None, ask: str | None, model: str | None, offline: bool,
              base_url: str | None) -> ForkPlan | None:
    """The plan of `--fork CALL` and its options, or None without `--fork`. VALUE (`--answer`, `--ask`) is
    JSON, or `@FILE` for a file of it; an `--answer` that is not JSON is a text."""
    if call is None:
        given = next((name for name, value in (("--answer", answer), ("--ask", ask), ("--model", model),
                                               ("--offline", offline), ("--base-url", base_url)) if value), None)
        if given is not None:
            raise ForkError(f"{given} works only with --fork CALL", hint=f"add --fork CALL, or drop {given}")
        return None
    if model is not None and not model.strip():
        raise ForkError("--model takes a model's name", hint="e.g. --model gpt-4o-mini")
    changes = {"answer": _value(answer, "--answer", text_ok=True), "ask": _value(ask, "--ask", text_ok=False),
               "model": model}
    return fork_plan(call.strip(), changes, offline, base_url)


def _value(given: str | None, option: str, text_ok: bool) -> JsonValue:
    if given is None:
        return None
    data, where = (_read(given[1:], option), f"{option} @{given[1:]}") if given.startswith("@") \
        else (given.encode("utf-8", "surrogateescape"), option)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        if text_ok:
            return data.decode("utf-8", "replace")
        raise ForkError(f"{where}: not JSON ({error.msg})",
                        hint="quote strings with double quotes; in a shell, put the whole value in '...'") from None


def _read(path: str, option: str) -> bytes:
    try:
        with open(path, "rb") as handle:  # read up to the limit: a device or a pipe has no size to check
            data = handle.read(MAX_VALUE + 1)
    except OSError as error:
        raise ForkError(f"cannot read {option} @{path}: {error.strerror or error}",
                        hint="check the path (it is relative to the working directory)") from None
    if len(data) > MAX_VALUE:
        raise ForkError(f"{option} @{path}: larger than {MAX_VALUE >> 20} MB", hint="a value is one call's answer")
    return data.removeprefix(b"\xef\xbb\xbf")
