"""LlamaIndex hooks (installed by `hook.py`): the span handler that records
agent and workflow runs, and the `FunctionTool` wrappers. Each module here imports llama-index, so
only the hook imports them, once the app has."""
