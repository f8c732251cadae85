"""namel3ss `.ai` apps, traced in-process through the `namel3ss` package (`pip install 'namel3ss-debug[namel3ss]'`).

`runner.run_ai_app(path, flow, input_json)` runs one flow of an app like a script, inside the active
run; `runner.start_attrs(path, flow)` is what run_start records of it (`attrs.namel3ss`). The
runtime's flows, agents, AI calls and tool calls become `chain`, `agent`, `llm` and `tool` spans
(`hooks.py`, `wrappers.py`); AI and tool calls are answered from the recording under
`replay --rerun`, as the runtime's own types (`results.py`). Nothing here imports `namel3ss` until
an app runs, and nothing writes into the runtime's `.namel3ss/traces/`.
"""
