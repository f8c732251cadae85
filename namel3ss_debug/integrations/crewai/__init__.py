"""CrewAI hooks (installed by `hook.py`): the event bus's `emit`, watched for the
crews, tasks and agents it announces, and the tool wrappers. Each module here imports crewai, so only
the hook imports them, once the app has."""
