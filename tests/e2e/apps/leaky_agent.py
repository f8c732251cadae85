"""An app that handles secrets everywhere a tracer looks: inputs, outputs, error messages, argv.

    python leaky_agent.py SECRETS.json [--api-key VALUE]

SECRETS.json holds "openai", "anthropic", "aws", "bearer", "password", "header_key" and
"access_token" (the last three short enough to be found only by their keys). The run ends with an
unhandled exception whose message holds secrets too.
"""

import json
import sys

from namel3ss_debug import trace_llm_call, trace_tool_call

with open(sys.argv[1], encoding="utf-8") as handle:
    s = json.load(handle)

INLINE = (f"curl -H 'Authorization: Bearer {s['bearer']}' with {s['openai']}, {s['anthropic']} "
          f"and {s['aws']}")


@trace_tool_call
def call_api(url, headers, body, password):
    return {"status": 200, "echo": body, "headers": headers, "session": {"user": "bob", "password": password}}


@trace_tool_call
def open_session(headers, session):
    # No long token anywhere in these events: only the key names can give the secrets away.
    return {"session": session, "headers": headers}


@trace_llm_call
def complete(prompt, api_key, model="fake-1"):
    return {"text": f"the key you gave me: {api_key}", "model": model}


@trace_tool_call
def login(user, password):
    payload = {"user": user, "password": password}
    raise PermissionError(f"login rejected {payload}; password={password}; tried {s['openai']}, "
                          f"{s['anthropic']}, {s['aws']}; Authorization: Bearer {s['bearer']}")


call_api("https://api.example.com", {"Authorization": f"Bearer {s['bearer']}"}, INLINE, password=s["password"])
open_session({"X-API-Key": s["header_key"]},
             {"user": "bob", "accessToken": s["access_token"], "password": s["password"]})
complete(INLINE, api_key=s["openai"])
try:
    login("bob", s["password"])
except PermissionError:
    pass
raise RuntimeError(f"fatal: {INLINE} password={s['password']}")
