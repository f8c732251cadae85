"""An MCP server over stdio (the SDK's `MCPServer`, FastMCP's name in mcp 2) with one tool, get_weather.

Each time the tool's body runs it appends the city to the file named by MCP_TOOL_CALLS (when set), so a
test can count the bodies that ran. A city it does not know is a tool error (an `is_error` result).
"""

from __future__ import annotations

import os

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

WEATHER = {"lisbon": "sunny, 24 C", "paris": "light rain, 14 C", "oslo": "snow, -3 C"}

server = MCPServer("weather", version="1.4.0", log_level="WARNING")


@server.tool()
def get_weather(city: str) -> str:
    """The weather in a city today."""
    calls = os.environ.get("MCP_TOOL_CALLS")
    if calls:
        with open(calls, "a", encoding="utf-8") as file:
            file.write(city + "\n")
    if city.lower() not in WEATHER:
        raise ToolError(f"no weather station in {city}")
    return WEATHER[city.lower()]


if __name__ == "__main__":
    server.run("stdio")
