"""`diagnose TRACE --experiment` on a raw openai loop whose call k is answered wrongly by a stub on 127.0.0.1 (the
planted mistake, `support/plantedstub.py`): the run fails only at its end, and the blame read from the log names
its last call. Re-asking the model at fork points finds the planted call, `verified`; with two calls planted, the
earlier; with a run that fails whatever is asked, `not confirmed`. The budget holds, Ctrl-C keeps the forks, and an
experiment with nowhere to send a re-ask, or on a run that passed, is a usage error before anything runs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from jsonschema import Draft202012Validator
from support.plantedstub import PlantedStub, planted_stub
from support.rerunhelpers import command

from namel3ss_debug.schemas import load_diagnose_schema, load_experiment_schema

pytest.importorskip("openai")
APP = Path(__file__).parent / "apps" / "planted_loop.py"
STEPS = 6


@pytest.fixture
def stub() -> Iterator[PlantedStub]:
    server = planted_stub({})
    yield server
    server.stop()


def recorded(tmp_path: Path, stub: PlantedStub, markers: dict[str, float], *args: str) -> Path:
    """The loop recorded against `stub` with `markers` planted (the run fails when one was answered wrongly)."""
    shutil.copyfile(APP, tmp_path / "app.py")
    stub.plant(markers)
    done = command("trace", "-q", "-o", "recorded", "app.py", "--base-url", stub.url + "/v1", "--steps", str(STEPS),
                   *args, cwd=tmp_path)
    assert done.returncode == 1 and "the ledger does not balance" in done.stderr, done.stderr
    return next((tmp_path / "recorded").glob("*.jsonl"))


def experiment(tmp_path: Path, trace: Path, stub: PlantedStub, *args: str) -> tuple[subprocess.CompletedProcess[str],
                                                                                        dict[str, Any]]:
    done = command("diagnose", str(trace), "--experiment", "--base-url", stub.url, "-o", "forks", "--format", "json",
                   *args, cwd=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    return done, json.loads(done.stdout)


def test_the_planted_call_is_verified_where_the_log_reads_a_later_one(tmp_path, stub):
    trace = recorded(tmp_path, stub, {"step 3 of": 1.0})
    stub.plant({"step 3 of": 0.3})
    before = len(stub.requests)
    done, report = experiment(tmp_path, trace, stub)
    assert done.returncode == 0, done.stderr
    conclusion = report["conclusion"]
    assert (conclusion["verdict"], conclusion["decisive"]["call"]) == ("verified", "llm:openai.chat#3")
    assert report["read_call"] == "llm:openai.chat#6" and report["agrees"] is False  # the log reads the end
    assert conclusion["at"]["passes"] > 0 and conclusion["after"]["passes"] == 0
    assert conclusion["after"]["point"]["call"] == "llm:openai.chat#4"
    assert report["spent"]["model_calls"] == len(stub.requests) - before  # every call it sent, counted
    assert report["spent"]["tries"] == sum(point["tries"] for point in report["tried"])
    for point in report["tried"]:  # each fork beside its outcome
        assert len(point["outcomes"]) == len(point["forks"]) == point["tries"]
        assert point["outcomes"].count("passed") == point["passes"]
    forks = sorted((tmp_path / "forks").glob("*.jsonl"))
    assert len(forks) == report["spent"]["tries"]
    events = [json.loads(line) for fork in forks for line in fork.read_text().splitlines()]
    lineage = [event["attrs"]["replay_of"] for event in events if event["event_type"] == "run_start"]
    assert {(said["run_id"], said["fork"]["change"]) for said in lineage} == {(report["run_id"], "reask")}
    assert sorted(said["fork"]["call"] for said in lineage) == sorted(
        point["point"]["call"] for point in report["tried"] for _ in range(point["tries"]))
    kept = json.loads((tmp_path / "forks" / f"{report['run_id']}.experiment.json").read_text())
    assert kept == report  # the record is the document --format json prints
    schema = Draft202012Validator(load_experiment_schema())
    assert [error.message for error in schema.iter_errors(report)] == []
    assert "experiment on run" in done.stderr and "at most" in done.stderr  # said before it starts


def test_two_calls_planted_name_the_earlier(tmp_path, stub):
    trace = recorded(tmp_path, stub, {"step 2 of": 1.0, "step 5 of": 1.0})
    stub.plant({"step 2 of": 0.3, "step 5 of": 0.3})
    done, report = experiment(tmp_path, trace, stub, "--tries", "4")
    assert (done.returncode, report["conclusion"]["decisive"]["call"]) == (0, "llm:openai.chat#2"), done.stderr


def test_a_run_that_fails_whatever_is_asked_is_not_confirmed(tmp_path, stub):
    trace = recorded(tmp_path, stub, {}, "--always-fail")
    done, report = experiment(tmp_path, trace, stub)
    assert done.returncode == 1
    conclusion = report["conclusion"]
    assert (conclusion["verdict"], conclusion["reason"], conclusion["decisive"]) == ("not confirmed", "no_rescue", None)
    assert report["tried"][-1]["point"]["index"] == 1  # re-asking everything did not rescue it


def test_the_budget_holds_and_says_what_was_learned(tmp_path, stub):
    trace = recorded(tmp_path, stub, {"step 3 of": 1.0})
    stub.plant({"step 3 of": 0.3})
    before = len(stub.requests)
    done, report = experiment(tmp_path, trace, stub, "--max-calls", "30")
    assert done.returncode == 1, done.stderr
    assert report["conclusion"]["reason"] == "budget"
    assert len(stub.requests) - before == report["spent"]["model_calls"] <= 30
    # the best answer so far: #3 rescued the run, #6 did not, and #4 was not tried before the budget ran out
    assert report["conclusion"]["between"] == ["llm:openai.chat#3", "llm:openai.chat#5"], report["conclusion"]
    assert report["conclusion"]["why"].startswith("the budget ran out (--max-calls 30: 1 left, a try from "
                                                  "llm:openai.chat#3 re-asks 4) before the decisive call was found")


def test_markdown_and_table_say_the_verdict(tmp_path, stub):
    trace = recorded(tmp_path, stub, {"step 3 of": 1.0})
    stub.plant({"step 3 of": 0.3})
    done = command("diagnose", str(trace), "--experiment", "--base-url", stub.url, "-o", "forks",
                   "--format", "markdown", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "**verified: llm:openai.chat\\#3 is the decisive call**" in done.stdout
    assert "| llm:openai.chat\\#4 (4/6) |" in done.stdout
    stub.plant({"step 3 of": 0.3})
    table = command("diagnose", str(trace), "--experiment", "--base-url", stub.url, "-o", "forks2", cwd=tmp_path)
    assert table.returncode == 0 and "verified: llm:openai.chat#3 is the decisive call" in table.stdout
    assert "\x1b[" not in table.stdout  # no colour off a terminal


def test_ctrl_c_keeps_the_forks_made_and_what_was_learned(tmp_path, stub):
    trace = recorded(tmp_path, stub, {"step 3 of": 1.0})
    stub.plant({"step 3 of": 0.3})
    before = len(stub.requests)
    process = subprocess.Popen(
        [sys.executable, "-m", "namel3ss_debug", "diagnose", str(trace), "--experiment", "--base-url", stub.url,
         "-o", "forks", "--format", "json"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**_env(), "NO_COLOR": "1"})
    while len(stub.requests) - before < 8 and process.poll() is None:  # a few tries made
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=300)
    assert "Traceback" not in err, err
    report = json.loads(out)
    if report["conclusion"]["verdict"] == "verified":  # it ended before the signal came: nothing to interrupt
        pytest.skip("the experiment ended before Ctrl-C reached it")
    assert (process.returncode, report["conclusion"]["reason"]) == (1, "interrupted")
    forks = list((tmp_path / "forks").glob("*.jsonl"))
    assert len(forks) >= report["spent"]["tries"] >= 1
    assert (tmp_path / "forks" / f"{report['run_id']}.experiment.json").is_file()


def test_offline_it_says_what_it_would_need(tmp_path, stub):
    trace = recorded(tmp_path, stub, {"step 3 of": 1.0})
    before = len(stub.requests)
    done = command("diagnose", str(trace), "--experiment", cwd=tmp_path)
    assert done.returncode == 2 and len(stub.requests) == before
    assert "re-asks the model at up to 6 calls" in done.stderr
    assert f"add --live to send them where the app sent them ({stub.url})" in done.stderr


def test_a_run_that_passed_has_no_decisive_call(tmp_path, stub):
    shutil.copyfile(APP, tmp_path / "app.py")
    command("trace", "-q", "-o", "recorded", "app.py", "--base-url", stub.url + "/v1", cwd=tmp_path)
    trace = next((tmp_path / "recorded").glob("*.jsonl"))
    done = command("diagnose", str(trace), "--experiment", "--base-url", stub.url, cwd=tmp_path)
    assert done.returncode == 2 and "passed, so no call of it is decisive" in done.stderr


@pytest.mark.parametrize("args, said", [
    (("--tries", "2"), "--tries works only with --experiment"),
    (("--live",), "--live works only with --experiment"),
    (("--experiment", "--all", "--live"), "--all does not apply to --experiment"),
    (("--experiment", "--kind", "call_loop", "--live"), "--kind does not apply to --experiment"),
])
def test_options_that_do_not_go_together_are_usage_errors(tmp_path, args, said):
    (tmp_path / "run.jsonl").write_text("")
    done = command("diagnose", "run.jsonl", *args, cwd=tmp_path)
    assert done.returncode == 2 and said in done.stderr, done.stderr


def _env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}


def test_max_cost_holds(tmp_path, stub):
    trace = recorded(tmp_path, stub, {"step 3 of": 1.0})
    stub.plant({"step 3 of": 0.3})
    before = len(stub.requests)
    done, report = experiment(tmp_path, trace, stub, "--max-cost", "0.00001")  # less than a try at #6 costs
    assert (done.returncode, report["conclusion"]["reason"]) == (1, "budget"), done.stderr
    assert (report["tried"], report["spent"]["tries"], len(stub.requests) - before) == ([], 0, 0)
    assert "--max-cost 1e-05: $0.000000 spent, a try from llm:openai.chat#6 costs" in report["conclusion"]["why"]
    priced = experiment(tmp_path, trace, stub, "--max-cost", "1")[1]
    assert priced["conclusion"]["verdict"] == "verified" and 0 < priced["spent"]["cost_usd"] < 1


def test_an_unknown_price_is_no_free_call(tmp_path, stub):
    trace = recorded(tmp_path, stub, {"step 3 of": 1.0}, "--model", "a-model-nobody-prices")
    before = len(stub.requests)
    done, report = experiment(tmp_path, trace, stub, "--max-cost", "100")
    assert (done.returncode, report["conclusion"]["reason"], len(stub.requests)) == (1, "budget", before)
    assert "a model's price is unknown" in report["conclusion"]["why"]
    unbounded = experiment(tmp_path, trace, stub, "--tries", "1")[1]
    assert unbounded["spent"]["cost_usd"] is None and unbounded["spent"]["model_calls"] > 0  # unknown, not $0


def test_diagnose_shows_the_experiment_kept_beside_the_run(tmp_path, stub):
    trace = recorded(tmp_path, stub, {"step 3 of": 1.0})
    stub.plant({"step 3 of": 0.3})
    before = command("diagnose", str(trace), "--format", "json", cwd=tmp_path)  # cached: the next is read from it
    assert json.loads(before.stdout)["experiments"] == {}
    done, report = experiment(tmp_path, trace, stub, "-o", str(trace.parent))
    assert done.returncode == 0, done.stderr
    plain = command("diagnose", str(trace), "--format", "json", cwd=tmp_path)
    checked = json.loads(plain.stdout)["experiments"][report["run_id"]]
    assert (checked["verdict"], checked["call"], checked["agrees"]) == ("verified", "llm:openai.chat#3", False)
    assert [error.message for error in Draft202012Validator(load_diagnose_schema()).iter_errors(
        json.loads(plain.stdout))] == []
    table = command("diagnose", str(trace), cwd=tmp_path).stdout
    assert "experiment     verified by experiment: llm:openai.chat#3 is the decisive call (not the step read" in table
    markdown = command("diagnose", str(trace), "--format", "markdown", cwd=tmp_path).stdout
    assert "- experiment: verified by experiment: llm:openai.chat\\#3 is the decisive call" in markdown
    record = trace.parent / f"{report['run_id']}.experiment.json"
    record.write_text("{not json")
    damaged = command("diagnose", str(trace), "--format", "json", cwd=tmp_path)
    assert json.loads(damaged.stdout)["experiments"] == {}
    assert "the experiment record is damaged" in damaged.stderr and "Traceback" not in damaged.stderr
