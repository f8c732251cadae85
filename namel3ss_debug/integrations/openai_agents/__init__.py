"""Parts of the openai-agents hook (installed by `integrations/openai_agents_hook.py`)."""
