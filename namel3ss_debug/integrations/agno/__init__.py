"""Agno's runs and tool calls as spans: `hook.install` hooks `runs.py` into Agno's agent and team
modules and `toolcalls.py` into its tool-call module, as the app imports them. Nothing here imports Agno.
"""
