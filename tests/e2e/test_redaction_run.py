"""No secret reaches the disk: a traced app handles keys, tokens and passwords in inputs, outputs,
error messages and argv, and the raw bytes of the trace never contain them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

LEAKY_AGENT = str(Path(__file__).parent / "apps" / "leaky_agent.py")

SECRETS = {
    "openai": "sk-proj-T3stKeyAbCdEfGhIjKlMnOpQrStUvWxYz012345",
    "anthropic": "sk-ant-api03-T3stAnthropicKeyAbCdEfGhIjKlMnOp-QrStUv_wxyz",
    "aws": "AKIAZ7T3ST4EXAMPLE99",
    "bearer": "b3arerT0kenAbCdEfGhIjKlMnOpQrSt",
    "password": "hunter2-Tr0ub4dor-and3",
    "header_key": "hk-9f8e7d",
    "access_token": "at-1a2b3c",
}
ARGV_SECRET = "argvSecretValue-42"
MARKERS = ("[REDACTED]", "[REDACTED:openai_project_key]", "[REDACTED:anthropic_key]",
           "[REDACTED:aws_access_key_id]", "[REDACTED:seen]")  # the bearer token was first seen under a key


def trace_leaky_agent(tmp_path: Path, *flags: str) -> bytes:
    """Run the app under `trace`; every byte written to the trace directory."""
    (tmp_path / "secrets.json").write_text(json.dumps(SECRETS))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    command = [sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", str(tmp_path / "traces"), *flags,
               LEAKY_AGENT, "secrets.json", "--api-key", ARGV_SECRET]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, "RuntimeError: fatal" in result.stderr) == (1, True), result.stderr
    return b"".join(path.read_bytes() for path in sorted((tmp_path / "traces").iterdir()))


def found(data: bytes, secrets: dict[str, str]) -> list[str]:
    return [name for name, secret in secrets.items() if secret.encode() in data]


@pytest.fixture(scope="module")
def redacted(tmp_path_factory) -> bytes:
    return trace_leaky_agent(tmp_path_factory.mktemp("redacted"))


def test_no_secret_is_written_anywhere(redacted):
    assert found(redacted, {**SECRETS, "argv": ARGV_SECRET}) == []


def test_redaction_markers_say_what_was_hidden(redacted):
    assert [marker for marker in MARKERS if marker.encode() not in redacted] == []


def test_the_secrets_reached_inputs_outputs_and_errors(redacted):
    # Guards the test above: the app did record the payloads the secrets travelled in.
    events = [orjson.loads(line) for line in redacted.splitlines()]
    types = {(event["event_type"], field) for event in events for field in ("inputs", "outputs", "error")
             if field in event}
    assert {("tool_call_start", "inputs"), ("tool_call_end", "outputs"), ("llm_call_start", "inputs"),
            ("tool_call_end", "error"), ("error_occurred", "error"), ("run_end", "error")} <= types


def test_an_api_key_flag_in_argv_is_redacted_in_run_start(redacted):
    run_start = next(orjson.loads(line) for line in redacted.splitlines() if b'"run_start"' in line)
    assert run_start["attrs"]["argv"] == [LEAKY_AGENT, "secrets.json", "--api-key", "[REDACTED]"]


def test_no_redact_writes_every_secret(tmp_path):
    assert found(trace_leaky_agent(tmp_path, "--no-redact"), {**SECRETS, "argv": ARGV_SECRET}) == [
        *SECRETS, "argv"]


HTTP_SECRETS = {"url_password": "pw-Z9x8C7v6B5", "query_token": "qt-4f3e2d1c0b9a", "query_key": "k-7a6b5c4d3e2f",
                "cookie": "ck-11aa22bb33cc44dd", "body_token": "sk-proj-HtTpB0dyAbCdEfGhIjKlMnOpQr12"}


def trace_http_app(tmp_path: Path, *flags: str) -> bytes:
    (tmp_path / "secrets.json").write_text(json.dumps(HTTP_SECRETS))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    app = str(Path(__file__).parent / "apps" / "http_secrets_app.py")
    command = [sys.executable, "-m", "namel3ss_debug", "trace", "-q", "-o", str(tmp_path / "traces"), *flags,
               app, "secrets.json"]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return b"".join(path.read_bytes() for path in sorted((tmp_path / "traces").iterdir()))


def test_an_http_span_writes_no_secret_of_its_url_headers_or_body(tmp_path):
    data = trace_http_app(tmp_path)
    starts = [e for e in map(orjson.loads, data.splitlines()) if e["event_type"] == "http_request_start"]
    assert [e["attrs"]["http"]["url"].split("?")[0].endswith("/items") for e in starts] == [True, True]
    assert found(data, HTTP_SECRETS) == []


def test_without_redaction_the_http_body_token_is_written(tmp_path):
    # Guards the test above: the response body, with its token, is recorded (query values and the URL's user
    # info never are: the capture leaves them out whatever the redaction).
    assert found(trace_http_app(tmp_path, "--no-redact"), HTTP_SECRETS) == ["body_token"]
