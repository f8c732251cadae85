"""smolagents' agent runs and tool calls as spans: `smolagents_hook.install` wraps the methods
`runs.py` and `toolcalls.py` describe. Nothing here imports smolagents.
"""
