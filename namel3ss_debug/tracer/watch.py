"""Network traffic the client hooks do not see.

An audit hook (`sys.addaudithook`, which cannot be removed) listens:
- while a run is active, for `socket.getaddrinfo` of a known LLM host and `http.client.send` of a request
  to an LLM API path (urllib, or any client on `http.client`), which it notes on the run: `run_end`
  carries them (`attrs.llm_traffic`), `trace`'s summary warns of them, and `analyze`'s integrity and
  `diagnose` count the requests. A request a client hook records, though it goes through `http.client`
  (`requests` on urllib3), is sent inside `hooked()` and is not noted;
- while a rerun runs the app, for what a `NetworkGuard` asks to hear (connects, sends, name lookups,
  processes started): the guard refuses what reaches the network by raising (a miss, under `--on-miss
  error`), so the network stays closed even for a client the hooks do not know (`launch/guard.py`).
The hook costs a set lookup per audit event.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Generic, Iterator, Protocol, TypeVar

KNOWN_LLM_HOSTS = frozenset({
    "api.openai.com", "api.anthropic.com", "generativelanguage.googleapis.com", "aiplatform.googleapis.com",
    "api.groq.com", "api.together.xyz", "api.together.ai", "openrouter.ai", "api.mistral.ai", "api.cohere.com",
    "api.cohere.ai", "api.deepseek.com", "api.x.ai", "api.fireworks.ai", "api.perplexity.ai",
    "inference.cerebras.ai", "api.cerebras.ai", "router.huggingface.co", "api-inference.huggingface.co",
})
LLM_PATH_ENDINGS = ("/chat/completions", "/responses", "/completions", "/embeddings", "/messages",
                    ":generateContent", ":streamGenerateContent", "/api/chat", "/api/generate")
_EVENTS = frozenset({"socket.getaddrinfo", "http.client.send"})


class NetworkGuard(Protocol):
    """What a rerun puts on the network: it hears the audit events it names, and refuses one by raising."""

    events: frozenset[str]

    def heard(self, event: str, args: tuple[Any, ...]) -> None: ...


Listener = TypeVar("Listener")


class _Listening(Generic[Listener]):
    """Who hears the audit events for one purpose: set from now until whoever set it takes it out (a later
    listener stays when an earlier one is taken out)."""

    __slots__ = ("listener",)

    def __init__(self) -> None:
        self.listener: Listener | None = None

    def start(self, listener: Listener) -> None:
        self.listener = listener
        _install()

    def stop(self, listener: Listener) -> None:
        if self.listener is listener:
            self.listener = None


_installed = False
# `llm_traffic`'s key of the requests no hook recorded (a hooked client's own send left out: `hooked`); 0.1.0 wrote
# them as `unrecorded`, counting the requests `requests` sent too (`analysis/traffic.py` reads both)
NOT_HOOKED = "not_hooked"
_current: _Listening[Any] = _Listening()  # the run that notes what is seen (its `llm_traffic` dict)
_guard: _Listening[NetworkGuard] = _Listening()
_hooked: ContextVar[bool] = ContextVar("namel3ss_debug_hooked_send", default=False)


def watch(run: Any) -> None:
    """Note the LLM traffic of `run` from now until `unwatch()`."""
    _current.start(run)


def unwatch(run: Any) -> None:
    _current.stop(run)


@contextmanager
def hooked() -> Iterator[None]:
    """While inside, a request sent through `http.client` is one a client hook records: it is not noted."""
    token = _hooked.set(True)
    try:
        yield
    finally:
        _hooked.reset(token)


def guard(network: NetworkGuard) -> None:
    """Hand the events `network` names to it from now until `unguard()`."""
    _guard.start(network)


def unguard(network: NetworkGuard) -> None:
    _guard.stop(network)


def _install() -> None:
    global _installed
    if not _installed:
        _installed = True
        sys.addaudithook(_heard)


def _heard(event: str, args: tuple[Any, ...]) -> None:
    network = _guard.listener
    if network is not None and event in network.events:
        network.heard(event, args)  # raises to refuse
    if event not in _EVENTS or _current.listener is None:
        return
    try:
        if event == "socket.getaddrinfo":
            host = args[0].decode() if isinstance(args[0], bytes) else args[0]
            if isinstance(host, str) and host.lower() in KNOWN_LLM_HOSTS:
                _note("hosts", host.lower())
        else:
            _heard_send(args)
    except Exception:  # an audit hook must never fail the app's call
        pass


def _heard_send(args: tuple[Any, ...]) -> None:
    if _hooked.get():
        return
    connection, data = args[0], args[1]
    if not isinstance(data, (bytes, bytearray)) or not data[:5].upper().startswith(b"POST "):
        return
    target = bytes(data[5:data.find(b" ", 5)]).decode("ascii", "replace").split("?", 1)[0]
    if target.endswith(LLM_PATH_ENDINGS):
        _note(NOT_HOOKED, f"POST {getattr(connection, 'host', '?')}:{getattr(connection, 'port', '?')}{target}")


def _note(kind: str, value: str) -> None:
    run = _current.listener
    if run is not None:  # else unwatched meanwhile, from another thread
        seen = run.llm_traffic.setdefault(kind, {})
        seen[value] = seen.get(value, 0) + 1
