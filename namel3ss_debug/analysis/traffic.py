"""The LLM requests a run sent that no client hook recorded, as its `run_end` counts them (`attrs.llm_traffic.
not_hooked`, noted by `tracer/watch.py`): requests to an LLM API path sent through `http.client` (urllib, or a
client namel3ss-debug does not hook) while the run was active. Their calls are missing from the trace, so
`analyze`'s integrity is not `ok` with any (`build.py`) and `diagnose` says so (`unrecorded_llm_calls`).
"""

from __future__ import annotations

from ..model.json_types import JsonObject

HOW_TO_RECORD = ("send them through a client namel3ss-debug records (httpx, requests or aiohttp, which the LLM SDKs "
                 "use), with capture_http all or llm")
SHOWN = 3  # requests named in a line; the count stays exact


def unrecorded_requests(end_attrs: JsonObject, llm_calls: int = 0) -> dict[str, int]:
    """`POST host:port/path` -> how many times, from a `run_end`'s attrs; {} when it counted none (or wrongly).
    A trace of 0.1.0 counted as `unrecorded` the requests a hooked client (`requests`) sent and recorded too: its
    count is believed only of a run that recorded no LLM call (`llm_calls`), where it is surely a gap."""
    traffic = end_attrs.get("llm_traffic")
    heard = traffic.get("not_hooked") if isinstance(traffic, dict) else None
    if heard is None and isinstance(traffic, dict) and not llm_calls:
        heard = traffic.get("unrecorded")
    if not isinstance(heard, dict):
        return {}
    return {str(target): count for target, count in heard.items()
            if isinstance(count, int) and not isinstance(count, bool) and count > 0}


def unrecorded_text(requests: dict[str, int]) -> str:
    """`2 requests to an LLM API not recorded (POST 127.0.0.1:8080/v1/chat/completions 2)`."""
    total = sum(requests.values())
    named = ", ".join(f"{target} {count}" for target, count in list(requests.items())[:SHOWN])
    more = f" and {len(requests) - SHOWN} more" if len(requests) > SHOWN else ""
    return f"{total} request{'s' if total != 1 else ''} to an LLM API not recorded ({named}{more})"
