"""pydantic-ai's agent runs and tool calls as spans: `hook.install` hands each run
`capability.DebugCapability`. Nothing here is imported before the app imports pydantic-ai.
"""
