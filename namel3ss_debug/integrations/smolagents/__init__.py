"""smolagents' agent runs and tool calls as spans: `hook.install` wraps the methods
`runs.py` and `toolcalls.py` describe. Nothing here imports smolagents.
"""
