"""Instrumentation of code the app calls but we do not own, above the HTTP layer: the namel3ss runtime
(`namel3ss/`), whose AI and tool calls are spans of their own. LLM calls made over HTTP, by any SDK
or framework, are recorded by `transport/`.
"""
