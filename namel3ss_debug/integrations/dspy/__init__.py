"""DSPy hooks (installed by `hook.py`): the callback that records `ReAct` runs as
agent spans, and the `dspy.Tool` wrappers. Each module here imports dspy, so only the hook imports
them, once the app has."""
