"""Starts Phoenix (`phoenix serve`) listening on 127.0.0.1 only; run with the Phoenix venv's interpreter.

Its HTTP server binds PHOENIX_HOST. Its gRPC server binds `[::]:PORT` whatever it is told (phoenix
`server/grpc_server.py`), which is every interface: the address is rewritten to 127.0.0.1 before gRPC
sees it.
"""

import sys

import grpc.aio._server as aio_server

_add_insecure_port = aio_server.Server.add_insecure_port


def _on_loopback(self, address):  # type: ignore[no-untyped-def]
    return _add_insecure_port(self, "127.0.0.1:" + address.rsplit(":", 1)[1])


aio_server.Server.add_insecure_port = _on_loopback

from phoenix.server.main import main  # noqa: E402 - after the patch

sys.argv = ["phoenix", "serve"]
sys.exit(main())
