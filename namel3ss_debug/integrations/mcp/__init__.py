"""The MCP client hook (`hook.py`): each `ClientSession.call_tool` as a `tool` span, answered in a rerun."""
