"""AutoGen's tools, agents and teams as spans: `hook.install` wraps `BaseTool.run_json`
(`tools.py`) and the agents' `on_messages_stream` and teams' `run_stream` (`agents.py`, with the span
kept current step by step in `streams.py`). Nothing here is imported before the app imports AutoGen.
"""
