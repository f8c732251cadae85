"""Parts of the openai-agents hook (installed by `hook.py`)."""
