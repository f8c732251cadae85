"""One MCP tool call through `ClientSession.call_tool`, the seam the MCP hook wraps, with no LLM and no
network: the server (the SDK's `MCPServer`, one tool) runs in process over the SDK's in-memory streams.

`make()` opens the session once, on an event loop of its own; each call of the function it returns is
one `tools/call` round trip to that server (the hook's span around it when traced).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def make() -> Callable[[], None]:
    from mcp import Client  # noqa: PLC0415 - the framework is imported by the bench, not on import
    from mcp.server.mcpserver import MCPServer  # noqa: PLC0415 - as above

    server = MCPServer("weather", version="1.4.0", log_level="WARNING")

    @server.tool()
    def get_weather(city: str) -> str:
        return "sunny, 24 C" if city == "Lisbon" else "clear, 18 C"

    loop = asyncio.new_event_loop()
    client = Client(server)
    loop.run_until_complete(client.__aenter__())
    session = client.session

    def one_call() -> None:
        result = loop.run_until_complete(session.call_tool("get_weather", {"city": "Lisbon"}))
        assert result.content[0].text == "sunny, 24 C"

    return one_call
