"""`namel3ss-debug export TRACE --to otlp|otlp-json|perfetto`: formats, files, and bad input (one line, exit code)."""

from __future__ import annotations

import base64
import builtins
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.tracefactory import one_llm_call

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def run(*args, env=None):
    return CliRunner().invoke(cli, ["export", *args], catch_exceptions=False, env=env)


def spans_of(text):
    return [span for line in text.splitlines() for rs in json.loads(line)["resourceSpans"]
            for ss in rs["scopeSpans"] for span in ss["spans"]]


def test_otlp_json_to_a_file(tmp_path) -> None:
    trace = one_llm_call(tmp_path / "run.jsonl")
    done = run(str(trace), "--to", "otlp-json", str(tmp_path / "out.json"))
    assert done.exit_code == 0
    assert [span["name"] for span in spans_of((tmp_path / "out.json").read_text())] == ["plan", "app.py"]
    assert "wrote 2 spans to" in done.stderr and "trace id" in done.stderr


def test_otlp_json_to_standard_output(tmp_path) -> None:
    done = run(str(one_llm_call(tmp_path / "run.jsonl")), "--to", "otlp-json", "-")
    assert done.exit_code == 0
    assert len(spans_of(done.stdout)) == 2


def test_the_same_run_exported_twice_gives_the_same_document(tmp_path) -> None:
    trace = str(one_llm_call(tmp_path / "run.jsonl"))
    assert run(trace, "--to", "otlp-json", "-").stdout == run(trace, "--to", "otlp-json", "-").stdout


def test_a_file_format_needs_a_file(tmp_path) -> None:
    done = CliRunner().invoke(cli, ["export", "--to", "otlp-json"], catch_exceptions=False)
    assert done.exit_code == 2
    assert "needs a FILE" in done.stderr


def test_a_bad_header_is_a_usage_error(tmp_path) -> None:
    done = run(str(one_llm_call(tmp_path / "run.jsonl")), "--to", "otlp", "--header", "no-equals-sign")
    assert done.exit_code == 2
    assert done.stderr.count("\n") == 1 and "'no-equals-sign' is not KEY=VALUE" in done.stderr


def test_a_bad_protocol_from_the_environment_names_the_variable(tmp_path) -> None:
    done = run(str(one_llm_call(tmp_path / "run.jsonl")), "--to", "otlp",
               env={"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"})
    assert done.exit_code == 2
    assert "OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json' is not an OTLP protocol" in done.stderr


def test_without_the_otel_extra_it_says_how_to_install(tmp_path, monkeypatch) -> None:
    real_import = builtins.__import__

    def no_otel(name, *args, **kwargs):
        if name.startswith("opentelemetry"):
            raise ImportError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_otel)
    done = run(str(one_llm_call(tmp_path / "run.jsonl")), "--to", "otlp")
    assert done.exit_code == 2
    assert "pip install 'namel3ss-debug[otel]'" in done.stderr and done.stderr.count("\n") == 1


def test_an_invalid_trace_in_strict_mode_exits_3_and_leaves_no_file(tmp_path) -> None:
    trace = one_llm_call(tmp_path / "run.jsonl")
    trace.write_bytes(trace.read_bytes() + b"{not json\n" + trace.read_bytes().splitlines(keepends=True)[-1])
    done = run(str(trace), "--to", "otlp-json", str(tmp_path / "out.json"), "--strict")
    assert done.exit_code == 3
    assert not (tmp_path / "out.json").exists() and not list(tmp_path.glob(".out.json*"))


def two_runs(tmp_path):
    """A file holding two runs one after the other (traces concatenated with `cat`)."""
    first = one_llm_call(tmp_path / "a.jsonl", "20261122-100000-aaaaaa")
    second = one_llm_call(tmp_path / "b.jsonl", "20261122-110000-bbbbbb")
    both = tmp_path / "both.jsonl"
    both.write_bytes(first.read_bytes() + second.read_bytes())
    return both


def test_a_file_holding_two_runs_is_exported_as_two_traces(tmp_path) -> None:
    done = run(str(two_runs(tmp_path)), "--to", "otlp-json", str(tmp_path / "out.jsonl"))
    assert done.exit_code == 0
    assert done.stderr.count("wrote 2 spans to") == 2
    traces = {span["traceId"] for span in spans_of((tmp_path / "out.jsonl").read_text())}
    assert len(traces) == 2
    read_back = CliRunner().invoke(cli, ["analyze", str(tmp_path / "out.jsonl"), "--format", "json"],
                                   catch_exceptions=False)
    assert [r["events"] for r in json.loads(read_back.stdout)["overview"]["runs"]] == [4, 4]


def test_perfetto_of_a_file_holding_two_runs_is_a_usage_error_and_writes_nothing(tmp_path) -> None:
    done = run(str(two_runs(tmp_path)), "--to", "perfetto", str(tmp_path / "out.json"))
    assert done.exit_code == 2
    assert "holds several runs, and --to perfetto writes one run" in done.stderr
    assert not (tmp_path / "out.json").exists()


def test_a_foreign_otlp_trace_exported_again_keeps_its_trace_id(tmp_path) -> None:
    sample = Path(__file__).parents[1] / "data" / "otlp" / "openinference-openai.jsonl"
    original = {base64.b64decode(span["traceId"]).hex() for span in spans_of(sample.read_text())}  # the SDK's base64
    done = run(str(sample), "--to", "otlp-json", "-")
    assert done.exit_code == 0
    assert {span["traceId"] for span in spans_of(done.stdout)} == original


def test_a_foreign_span_is_exported_again_as_it_came(tmp_path) -> None:
    """A span read from OTLP/JSON goes out with its own ids, name, kind, scope, attributes and events (a
    GUARDRAIL read back as UNKNOWN before: its kind attribute went out inside a JSON blob of ours)."""
    trace_id, t0 = "5b8efff798038103d269b633813fc60c", 1_700_000_000_000_000_000

    def attribute(key, text):
        return {"key": key, "value": {"stringValue": text}}

    guard = {"traceId": trace_id, "spanId": "eee19b7ec3c1b174", "name": "pii-guard", "kind": 2,
             "startTimeUnixNano": str(t0), "endTimeUnixNano": str(t0 + 5_000_000),
             "attributes": [attribute("openinference.span.kind", "GUARDRAIL"), attribute("guard.rule", "pii")],
             "events": [{"timeUnixNano": str(t0 + 1_000_000), "name": "checked",
                         "attributes": [attribute("guard.verdict", "pass")]}]}
    tool = {"traceId": trace_id, "spanId": "eee19b7ec3c1b175", "parentSpanId": "eee19b7ec3c1b174",
            "name": "run the search tool", "kind": 1, "startTimeUnixNano": str(t0 + 2_000_000),
            "endTimeUnixNano": str(t0 + 3_000_000),
            "attributes": [attribute("gen_ai.operation.name", "execute_tool"), attribute("gen_ai.tool.name", "search")]}
    source = tmp_path / "foreign.jsonl"
    source.write_text(json.dumps({"resourceSpans": [{
        "resource": {"attributes": [attribute("service.name", "guarded-app")]},
        "scopeSpans": [{"scope": {"name": "my.guards", "version": "1.2"}, "spans": [guard, tool]}]}]}) + "\n")

    done = run(str(source), "--to", "otlp-json", str(tmp_path / "out.json"))

    assert done.exit_code == 0, done.stderr
    [line] = (tmp_path / "out.json").read_text().splitlines()
    scopes = {scope["scope"]["name"]: scope["spans"] for scope in json.loads(line)["resourceSpans"][0]["scopeSpans"]}
    by_id = {span["spanId"]: span for spans in scopes.values() for span in spans}
    assert {span["spanId"] for span in scopes["my.guards"]} == {"eee19b7ec3c1b174", "eee19b7ec3c1b175"}
    out_guard, out_tool = by_id["eee19b7ec3c1b174"], by_id["eee19b7ec3c1b175"]
    assert (out_guard["traceId"], out_guard["name"], out_guard["kind"]) == (trace_id, "pii-guard", 2)
    assert (out_tool["name"], out_tool["kind"], out_tool["parentSpanId"]) == ("run the search tool", 1,
                                                                               "eee19b7ec3c1b174")
    attributes = {kv["key"]: kv["value"] for kv in out_guard["attributes"]}
    assert attributes["openinference.span.kind"] == {"stringValue": "GUARDRAIL"}
    assert attributes["guard.rule"] == {"stringValue": "pii"}
    [event] = out_guard["events"]
    assert event["name"] == "checked" and event["timeUnixNano"] == str(t0 + 1_000_000)
    assert attribute("guard.verdict", "pass") in event["attributes"]
