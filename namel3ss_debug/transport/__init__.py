"""HTTP requests recorded at the client, and answered there in a rerun, whatever SDK or framework makes them.

`capture_http()` arranges for the HTTP clients to be hooked when the app imports them (at once if it
already has): httpx and httpx2 at their transports, requests at its adapter, aiohttp at its
session's `_request`, lm15 (the client DSPy vendors) at its transports. Nothing is imported on
the app's behalf. What a run records is its `capture_http` setting, read at each request: `all`
(LLM API calls as `llm` spans, other requests as `http` spans), `llm`, or `off`. A rerun answers
every request, whatever the setting. A hook point a client version lacks is named in one warning on
stderr; a failure while hooking is reported the same way and never reaches the app.
"""

from __future__ import annotations


CLIENTS = {"httpx": "httpx_hook", "httpx2": "httpx_hook", "requests": "requests_hook", "aiohttp": "aiohttp_hook",
           "dspy._vendor.lm15.transports": "lm15_hook"}

_installed = False


def capture_http() -> None:
    """Hook the HTTP clients the app imports, from now on. Idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    from ..tracer.imports import hook_when_imported  # noqa: PLC0415 - importlib.abc: not at the package's import

    for name, hook in CLIENTS.items():
        hook_when_imported(name, f"{__name__}.{hook}", unrecorded="requests not recorded")


__all__ = ["capture_http", "CLIENTS"]
