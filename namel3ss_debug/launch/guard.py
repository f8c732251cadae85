"""The in-process guard: what this Python process does on the network while a rerun runs the app.

The audit hook (`tracer/watch.py`) hands it the audit events that reach the network:
- `socket.connect` (and `connect_ex`), `socket.sendto` and `socket.sendmsg` on an internet socket (IPv4
  or IPv6, loopback included: the host's services listen there);
- name lookups that may ask a DNS server: `getaddrinfo`, `gethostbyname(_ex)` and `gethostbyaddr` of
  anything but this machine (`localhost`, a numeric address, the host's own name);
- a C library's network functions looked up through ctypes (`libc.connect`: the `ctypes.dlsym` event);
- and, only to count them, the processes the app starts (`subprocess.Popen`, `os.system`, `os.fork`...).

While the network is closed (`--on-miss error`, the default) each of them is refused as a miss: the app
stops there (`RerunMiss`, a BaseException), and the report names it (`sendto 127.0.0.1:53`). With
`--on-miss live` nothing is refused, and the connects and sends are counted (the report's `reached`).

A call the rerun lets run for real (a tool body under `--live-tools`, a call run `live` at the console, a
miss under `--on-miss live`: `GuardedRerun.answer` returned None) keeps the network for what it does, in its
own context (its thread or task, and those it starts), until its span ends. So does the loopback pair
`socket.socketpair` builds where the platform has none (Windows: asyncio's event loop needs it).

Binding is not refused: an app may serve itself (the examples start a stub LLM server on 127.0.0.1), and
what the app connects to is what is closed.

An audit hook sees this process's Python only: processes the app starts, and native code that calls the C
library itself, are not seen (on Linux the network namespace closes those, `launch/netns.py`).
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import os
import sys
import threading
from types import FrameType
from typing import Any

from ..model.rerun_protocol import RerunMiss
from ..rerun.answerer import Rerun
from ..model.json_types import Foreign, JsonObject, JsonValue
from ..model.rerun_protocol import RECORDED, AnsweredSpan, Asked
from ..rerun.answers import Answer
from ..transport.tool_wire import SOURCE as WIRE
from .choosing import Choosing, asked_calls
from ..tracer import watch

SOCKET_CALLS = {"socket.connect": "connect", "socket.sendto": "sendto", "socket.sendmsg": "sendmsg"}
LOOKUPS = frozenset({"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                     "socket.gethostbyaddr"})
PROCESSES = frozenset({"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty"})
NATIVE = frozenset({"ctypes.dlsym", "ctypes.dlsym/handle"})
EVENTS = frozenset(SOCKET_CALLS) | LOOKUPS | PROCESSES | NATIVE
# The C library's network functions (POSIX, then Windows' ws2_32), by the name ctypes looks up.
NATIVE_NETWORK = frozenset({
    "connect", "sendto", "sendmsg", "sendmmsg", "getaddrinfo", "gethostbyname", "gethostbyname2",
    "gethostbyname_r", "gethostbyname2_r", "gethostbyaddr", "gethostbyaddr_r", "res_query", "res_search",
    "res_send", "res_nquery", "res_nsearch", "res_nsend", "__res_query", "__res_search", "__res_send",
    "WSAConnect", "WSAConnectByNameW", "WSASendTo", "WSASendMsg", "GetAddrInfoW", "GetAddrInfoExW",
})
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
INTERNET = (socket.AF_INET, socket.AF_INET6)
TOOL = "tool"
WHY = "the network is closed during a rerun, and this was done outside the recorded HTTP clients " \
      "(httpx, requests, aiohttp)"

_OURS = frozenset({__file__, watch.__file__})  # the audit hook's frames, above the app's call
# The calls running for real in this context, innermost last (their spans; one that ended no longer counts).
_running: contextvars.ContextVar[tuple[Any, ...]] = contextvars.ContextVar("namel3ss_debug_for_real", default=())


class GuardedRerun:
    """A rerun (`rerun`) as the tracer holds it, telling the guard which calls it lets run for real: each keeps
    the network for what it does (the policy's `keeps_network`), in its own context, until it ends. A tool that
    runs for real with arguments a recording not written here chose is asked about first (`choosing`,
    `launch/choosing.py`)."""

    def __init__(self, rerun: Rerun, choosing: Choosing | None = None) -> None:
        self.rerun = rerun
        self.choosing = choosing
        self._wired: frozenset[str] | None = None

    # -- the tracer's side (`model/rerun_protocol.RerunSource`): the rerun's, watched -------------------
    @property
    def answered_here(self) -> bool:
        """Whether every recording answering this rerun was written here: only then is the new run sealed as
        written here (`model/seals.py`); a rerun with no choosing (nothing asked) vouches for none."""
        return self.choosing is not None and self.choosing.trusted

    def opened(self, span: AnsweredSpan, attrs: JsonObject | None = None) -> None:
        self.rerun.opened(span, attrs)

    def answer(self, asked: Asked, span: AnsweredSpan, inputs: Foreign) -> Answer | None:
        answer = self.rerun.answer(asked, span, inputs)
        if self.choosing is not None:
            self._approve(asked, answer, inputs)
        if answer is None and span is not None and self.keeps_network(asked.component):
            _running.set((*(call for call in _running.get() if not call.ended), span))
        return answer

    def refused(self, call: str, why: str) -> RerunMiss:
        return self.rerun.refused(call, why)

    def ran(self, span: AnsweredSpan, inputs: Foreign = None) -> None:
        self.rerun.ran(span, inputs)

    def ended(self, span: AnsweredSpan, event: JsonObject) -> None:
        self.rerun.ended(span, event)

    def live_request(self, api: str, body: JsonValue, url: str) -> tuple[JsonValue, str]:
        return self.rerun.live_request(api, body, url)

    def end_attrs(self) -> JsonObject:
        return self.rerun.end_attrs()

    # -- the guard's side ---------------------------------------------------------------------------
    def _approve(self, spec: Asked, answer: Answer | None, inputs: Foreign) -> None:
        """Before the app gets a recorded answer asking for tools that will run for real, and before a tool
        runs for real, ask whether the recording may choose their arguments (`choosing.py`)."""
        choosing = self.choosing
        assert choosing is not None
        if answer is None:
            if spec.component == TOOL:
                choosing.approve(spec.name, self.rerun.inputs_of("tool_start", inputs))
            return
        if answer.source != RECORDED:  # a mock or a console's value: the user's own
            return
        for call in asked_calls(answer.outputs):
            if self._tools_run_for_real() or call[0] in self._wire_tools():
                choosing.approve(*call, asked=True)

    def _tools_run_for_real(self) -> bool:
        """Whether this rerun runs a hooked tool's body rather than answering it from the recording."""
        rerun = self.rerun
        return rerun.policy.live_tools or rerun.on_miss_for(TOOL) == "live" or rerun.stepper is not None

    def _wire_tools(self) -> frozenset[str]:
        """The names of the recording's tools that no hook held (seen on the wire): their bodies are the app's
        plain code, which runs in any rerun."""
        if self._wired is None:
            recording = self.rerun.recording
            timeline = recording.timeline
            self._wired = frozenset(call.name for call in recording.calls if call.component == TOOL
                                    and (timeline.event(call.start).get("attrs") or {}).get("source") == WIRE)
        return self._wired

    def keeps_network(self, component: str) -> bool:
        """Whether a call of `component` that runs for real keeps the network while it runs (the policy's)."""
        return self.rerun.policy.keeps_network(component)

    def why_network(self) -> str | None:
        """Why a call of this rerun may use the network for real (so that no namespace can close it), or
        None when none may (the policy's)."""
        return self.rerun.policy.why_network(self.rerun.stepper is not None)

    @property
    def closed(self) -> bool:
        """Whether the network is closed: a miss stops the run rather than going out."""
        return self.rerun.policy.on_miss == "error"


class RerunGuard:
    """Refuses (while `closed`) or counts what the app does on the network; counts the processes it
    starts. `heard` is the audit hook's: it raises the refusal."""

    events = EVENTS

    def __init__(self, rerun: GuardedRerun, closed: bool):
        self.rerun = rerun
        self.closed = closed
        self.reached = 0
        self.processes = 0
        self.started: list[str] = []  # the first few processes counted, as `uname from platform`
        self._lock = threading.Lock()

    def heard(self, event: str, args: tuple[Any, ...]) -> None:
        try:
            call = self._call(event, args)
        except Exception:  # an audit hook must never fail the app's call for a fault of ours
            return
        if call is None or _for_real():
            return
        if self.closed:
            raise self._refuse(call)
        if event in SOCKET_CALLS:
            with self._lock:
                self.reached += 1

    def _call(self, event: str, args: tuple[Any, ...]) -> str | None:
        """What the app does, as its miss names it, when it may reach the network; else None."""
        verb = SOCKET_CALLS.get(event)
        if verb is not None:
            sock, address = args[0], args[1]
            if address is None or getattr(sock, "family", None) not in INTERNET:
                return None  # a connected socket's send (its connect was heard), a Unix socket
            return f"{verb} {_address(address)}"
        if event in LOOKUPS:
            name = args[0].decode("ascii", "replace") if isinstance(args[0], bytes) else args[0]
            return None if _local(name, reverse=event == "socket.gethostbyaddr") else f"resolve {name}"
        if event in NATIVE:
            name = args[1]
            return f"{name} through ctypes" if isinstance(name, str) and name in NATIVE_NETWORK else None
        if event != "os.posix_spawn" or _caller_module() != "subprocess":  # subprocess's own is counted already
            with self._lock:
                self.processes += 1
                if len(self.started) < STARTED_NAMED:
                    self.started.append(_started(event, args))
        return None

    def _refuse(self, call: str) -> RerunMiss:
        """The refusal, noted as a miss: there is no recorded call to offer."""
        return self.rerun.refused(call, WHY)


def _for_real() -> bool:
    """Whether a call the rerun lets run for real is running here, or the platform's socketpair."""
    if any(not call.ended for call in _running.get()):
        return True
    caller = _caller()
    return caller is not None and caller.f_code.co_filename == socket.__file__ \
        and caller.f_code.co_name in ("socketpair", "_fallback_socketpair")


STARTED_NAMED = 3  # processes the report names (a library's `uname -p` is not the app's own doing)
_SPAWNING = frozenset({"subprocess", "os", "multiprocessing.popen_fork", "multiprocessing.context"})


def _started(event: str, args: tuple[Any, ...]) -> str:
    """`uname from platform`: the program a counted process runs and the module that started it, so a process
    a library starts (the platform module's `uname -p` under an SDK) is not taken for the app's own."""
    argv = args[1] if event in ("subprocess.Popen", "os.posix_spawn") and len(args) > 1 else \
        args[2] if event == "os.spawn" and len(args) > 2 else None
    if event == "os.system" and args:
        argv = os.fsdecode(args[0]).split()[:1]
    first = argv[0] if isinstance(argv, (list, tuple)) and argv else args[0] if event == "subprocess.Popen" and args \
        else None
    program = os.path.basename(os.fsdecode(first)) if isinstance(first, (str, bytes, os.PathLike)) else "a fork"
    frame = _caller()
    while frame is not None and frame.f_globals.get("__name__") in _SPAWNING:
        frame = frame.f_back
    module = frame.f_globals.get("__name__") if frame is not None else None
    return f"{program} from {module}" if module else program


def _caller_module() -> str | None:
    caller = _caller()
    return caller.f_globals.get("__name__") if caller is not None else None


def _caller() -> FrameType | None:
    """The Python frame that made the audited call: the first above the audit hook's frames (ours)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename in _OURS:
        frame = frame.f_back
    return frame


def _address(address: Any) -> str:
    """`host:port` (`[host]:port` for IPv6)."""
    if isinstance(address, tuple) and len(address) >= 2:
        host = address[0].decode("ascii", "replace") if isinstance(address[0], bytes) else str(address[0])
        return f"[{host}]:{address[1]}" if ":" in host else f"{host}:{address[1]}"
    return str(address)


def _local(name: Any, reverse: bool) -> bool:
    """A lookup this machine answers without asking a server: no name, `localhost`, this host's own name,
    or a numeric address (but for a reverse lookup, which asks for the name of any address but a
    loopback or unspecified one)."""
    if not name:
        return True
    if not isinstance(name, str):
        return False
    try:
        number = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        lowered = name.lower().rstrip(".")
        return lowered in LOCAL_NAMES or lowered.endswith(".localhost") or lowered == socket.gethostname().lower()
    return not reverse or number.is_loopback or number.is_unspecified
