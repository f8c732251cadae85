"""The stand-in for the LLM APIs (examples/llm_stub_server.py), loaded by its path for the tests (the
examples folder is not a package), and a server that cuts a stream mid-body (on the kit's `LoopbackServer`)."""

from __future__ import annotations

from pathlib import Path

from support.pathmodule import module_at
from support.stubs import LoopbackServer, Stream

ROOT = Path(__file__).resolve().parents[2]


StubServer = module_at("llm_stub_server", ROOT / "examples" / "llm_stub_server.py").StubServer

CUT_STREAM = Stream([b'data: {"n": 1}\n\n', b'data: {"n": 2}\n\n'], end="cut", pause=0.2)


def cut_stream_server() -> LoopbackServer:
    """A server, started, answering every POST with two server-sent events, then the connection cut in the
    middle of the chunked body."""
    return LoopbackServer({"POST *": CUT_STREAM}, name="cut-stream").start()
