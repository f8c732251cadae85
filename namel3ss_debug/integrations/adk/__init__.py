"""Google ADK hooks (installed by `hook.py`): the plugin that records agent runs, and the
function tool wrapper that records (and in a rerun answers) tool calls. Each module here imports
google-adk, so only the hook imports them, once the app has loaded the module each hooks."""
