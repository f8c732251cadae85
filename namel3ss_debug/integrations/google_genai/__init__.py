"""google-genai's automatic function calling hooks (installed by `hook.py`): the
functions the SDK calls for the model as `tool` spans, and each call that runs that loop as an `agent`
span. Each module here imports nothing of google-genai: the hook hands them the SDK's objects."""
