"""A run in Google's storage (`gs://`, gcp-storage-emulator) and in Azure's (`az://`, Azurite), each on 127.0.0.1:
the reading commands answer what they answer for the same run on the local disk, a second `analyze` of an
unchanged object is the cache's answer (keyed by the object's generation or ETag), an object rewritten while it is
read is one error, and a missing object, a store with no credentials or the wrong ones, and a stopped store are
each one line with their exit code. The run is `test_bucket_traces.py`'s, traced once for the module, its three
segments put under `runs/team/`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.s3server import rewritten_after_first_block
from support.storeservers import ACCOUNT, PACKAGES, SERVERS, store_with_bucket
from support.stubs import LoopbackServer, json_reply
from support.tracefactory import RUN_ID
from support.analysisruns import random_run
from support.rerunhelpers import command
from test_bucket_traces import _judged, recorded  # noqa: F401 - `recorded`: the module's traced run, a fixture

from namel3ss_debug.cli.main import cli
from namel3ss_debug.ops import workers
from namel3ss_debug.store import remote, remote_read

pytestmark = pytest.mark.usefixtures("isolated_workspace")


@pytest.fixture(scope="module", params=sorted(SERVERS))
def store(request: pytest.FixtureRequest, recorded: Path) -> Iterator[tuple[str, Any]]:  # noqa: F811
    """(scheme, server): the emulator started, its bucket `runs` holding the run's segments under `team/`."""
    with store_with_bucket(request.param) as started:
        fs = started.filesystem()
        for segment in sorted((recorded / "traces").glob("*.jsonl")):
            fs.put_file(str(segment), f"runs/team/{segment.name}")
        yield request.param, started


@pytest.fixture
def here(recorded: Path, isolated_workspace: Path) -> Path:  # noqa: F811
    shutil.copytree(recorded, isolated_workspace, dirs_exist_ok=True)
    return isolated_workspace


def environ(store: tuple[str, Any], **extra: str | None) -> dict[str, str | None]:
    """The store's own variables and nothing of any other store's (a developer's keys are not the test's)."""
    cleared: dict[str, str | None] = {name: None for name in os.environ
                                      if name.startswith(("AWS_", "GOOGLE_", "AZURE_", "STORAGE_EMULATOR_HOST"))}
    own = store[1].environ() if store[1] is not None else {}
    return {**cleared, **own, "NO_COLOR": "1", "COLUMNS": "300", **extra}


def invoke(store: tuple[str, Any], *args: str, **extra: str | None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=environ(store, **extra), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_file(here: Path, index: int = 0) -> str:
    return f"traces/{sorted(path.name for path in (here / 'traces').glob('*.jsonl'))[index]}"


def folder(store: tuple[str, Any]) -> str:
    return f"{store[0]}://runs/team/"


@pytest.mark.parametrize("args", [
    ("analyze", "TRACE", "--format", "json", "--no-cache"),
    ("analyze", "TRACE"),
    ("diagnose", "TRACE"),
    ("diagnose", "TRACE", "--format", "json"),
    ("inspect", "TRACE", "--errors-only", "--format", "json"),
    ("check", "TRACE", "--max-errors", "0"),
    ("inspect", "TRACE", "--tree"),
    ("replay", "TRACE"),
    ("diff", "TRACE", "traces/SECOND"),
    ("export", "TRACE", "--to", "otlp-json", "-"),
], ids=lambda args: " ".join(args))
def test_a_command_answers_for_the_store_what_it_answers_for_the_disk(store, here, args) -> None:
    local = run_file(here)
    remote_url = folder(store) + local.removeprefix("traces/")
    named = {"traces/SECOND": run_file(here, 1)}
    code, out, _ = invoke(store, *[local if arg == "TRACE" else named.get(arg, arg) for arg in args])
    code_r, out_r, err_r = invoke(store, *[remote_url if arg == "TRACE" else named.get(arg, arg) for arg in args])
    assert "Traceback" not in err_r
    assert (code_r, out_r.replace(folder(store), "traces/")) == (code, out)
    assert out.strip()


def test_a_folder_is_its_newest_run_whole(store, here) -> None:
    code, out, _ = invoke(store, "analyze", folder(store), "--format", "json", "--no-cache")
    assert code == 0
    assert json.loads(out)["overview"]["runs"][0]["files"] == [
        folder(store) + run_file(here, index).removeprefix("traces/") for index in range(3)]


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ("replay", "TRACE", "--rerun", "--yes", "--format", "json"),
    ("verify", "TRACE", "--yes", "--format", "json"),
], ids=lambda args: " ".join(args[:2]))
def test_a_rerun_of_a_run_in_the_store_judges_as_one_on_the_disk(store, here, args) -> None:
    verdicts = []
    for trace in (run_file(here), folder(store) + run_file(here).removeprefix("traces/")):
        done = command(*[trace if arg == "TRACE" else arg for arg in args], cwd=here, extra=store[1].environ())
        assert "Traceback" not in done.stderr
        judged = json.dumps(_judged(json.loads(done.stdout)), sort_keys=True)
        verdicts.append((done.returncode, json.loads(judged.replace(folder(store), "traces/"))))
    assert verdicts[1] == verdicts[0]


def test_many_runs_read_in_two_worker_processes_answer_as_one_process(store, here, monkeypatch) -> None:
    """20 runs (more than `workers.MIN_PARALLEL`): `--jobs 2` reads them in workers, each making its own client of
    the store from its own environment, and answers byte for byte what one process answers."""
    fs = store[1].filesystem()
    for number in range(20):
        name = f"20261122-1000{number:02d}-abcdef"
        fs.pipe_file(f"runs/many/{name}.0000.jsonl", random_run(number).lines().replace(RUN_ID.encode(),
                                                                                       name.encode()))
    started: list[int] = []
    real = workers.InOrder.__init__
    monkeypatch.setattr(workers.InOrder, "__init__", lambda self, *args: started.append(1) or real(self, *args))
    url = f"{store[0]}://runs/many/"
    one = invoke(store, "analyze", "--all", url, "--format", "json", "--no-cache", "--jobs", "1")
    two = invoke(store, "analyze", "--all", url, "--format", "json", "--no-cache", "--jobs", "2")
    assert started == [1] and two == one and one[0] == 0
    assert len(json.loads(one[1])["overview"]["runs"]) == 20


def test_runs_lists_a_folder_as_it_lists_a_directory(store, here) -> None:
    code, listed, _ = invoke(store, "runs", "traces", "--format", "json")
    code_r, listed_r, said = invoke(store, "runs", folder(store), "--format", "json")
    assert code_r == code == 0 and "indexed in memory for this command" in said
    assert json.loads(listed_r.replace(folder(store), "traces/"))["runs"] == json.loads(listed)["runs"]


def test_a_second_analyze_is_the_cache_s_answer_until_the_object_is_rewritten(store, here, monkeypatch) -> None:
    opened: list[str] = []
    real = remote.open_object
    monkeypatch.setattr(remote, "open_object", lambda url: opened.append(url) or real(url))
    fs, url = store[1].filesystem(), f"{store[0]}://runs/cached/one.jsonl"
    fs.pipe_file("runs/cached/one.jsonl", (here / run_file(here)).read_bytes())
    first = invoke(store, "analyze", url, "--format", "json")
    assert first[0] == 0 and opened == [url]
    opened.clear()
    assert invoke(store, "analyze", url, "--format", "json") == first and opened == []
    fs.pipe_file("runs/cached/one.jsonl", (here / run_file(here, 1)).read_bytes())  # another generation, ETag
    third = invoke(store, "analyze", url, "--format", "json")
    assert opened == [url] and third[1] != first[1]


def test_an_object_rewritten_during_the_read_is_one_error(store, here, monkeypatch) -> None:
    monkeypatch.setattr(remote_read, "READ_BLOCK", 64 << 10)
    fs, url = store[1].filesystem(), f"{store[0]}://runs/changing/run.jsonl"
    whole = (here / run_file(here)).read_bytes()
    whole = whole * (20 * remote_read.FIRST_BLOCK // len(whole) + 1)
    fs.pipe_file("runs/changing/run.jsonl", whole)
    # the same length, other bytes: only its version tells
    rewritten_after_first_block(monkeypatch, lambda: fs.pipe_file("runs/changing/run.jsonl",
                                                                   whole.replace(b"sunny", b"rainy")))
    code, out, err = invoke(store, "analyze", url, "--no-cache")
    assert (code, out) == (3, "")
    assert err.strip().splitlines() == [
        f"namel3ss-debug: error: {url}: the object changed while it was read (its version is not the one the read "
        "began with) (read it again once nothing writes it)"]


def test_a_missing_object_is_one_line_exit_2_naming_the_store_s_own_listing(store, here) -> None:
    code, out, err = invoke(store, "analyze", f"{store[0]}://runs/team/none.jsonl")
    listing = {"gs": "`gcloud storage ls` lists them", "az": "`az storage blob list` lists them"}[store[0]]
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1 and listing in err


@pytest.mark.parametrize("scheme", ["az", pytest.param("gs", marks=pytest.mark.slow)])
def test_a_stopped_store_is_one_line_exit_3(scheme, recorded, here) -> None:  # noqa: F811
    """gcsfs tries a request six times, 33 s of waiting between them: Google's case is a slow test."""
    pytest.importorskip(PACKAGES[scheme])
    with SERVERS[scheme]() as stopping:
        stopping.make_bucket("runs")
    code, out, err = invoke((scheme, stopping), "analyze", f"{scheme}://runs/team/", "--no-cache")
    assert (code, out) == (3, "")
    assert len(err.strip().splitlines()) == 1 and "the store does not answer" in err


def test_azure_with_the_wrong_key_is_access_denied_in_one_line(store, here) -> None:
    if store[0] != "az":
        pytest.skip("the Google emulator checks no credentials: test_google_s_refusals_are_one_line_each")
    wrong = {"AZURE_STORAGE_CONNECTION_STRING": store[1].environ(key="d3Jvbmcga2V5")["AZURE_STORAGE_CONNECTION_STRING"]}
    code, out, err = invoke(store, "analyze", folder(store), **wrong)
    assert (code, out) == (3, "")
    assert err.startswith(f"namel3ss-debug: error: {folder(store)}: access denied")
    assert len(err.splitlines()) == 1 and "check the credentials" in err


def test_azure_with_no_credentials_names_where_they_go(store, here) -> None:
    if store[0] != "az":
        pytest.skip("Azure's alone: gcsfs falls back to anonymous (test_google_s_refusals_are_one_line_each)")
    code, out, err = invoke(store, "analyze", folder(store), AZURE_STORAGE_CONNECTION_STRING=None)
    assert (code, out) == (3, "")
    assert err == (f"namel3ss-debug: error: {folder(store)}: no credentials for the store (set "
                   "AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT_NAME with AZURE_STORAGE_ACCOUNT_KEY "
                   "or AZURE_STORAGE_SAS_TOKEN)\n")
    assert ACCOUNT not in err


@pytest.mark.parametrize(("status", "message", "said"), [
    (401, "Anonymous caller does not have storage.objects.get access", "no credentials for the store (set "
     "GOOGLE_APPLICATION_CREDENTIALS to a service account's key file, or run `gcloud auth application-default "
     "login`)"),
    (403, "ci@team.iam.gserviceaccount.com does not have storage.objects.get access", "access denied: Forbidden"),
])
def test_google_s_refusals_are_one_line_each(here, status: int, message: str, said: str) -> None:
    """Google's storage as it answers a caller with no credentials (401) or the wrong ones (403), from a stand-in
    on 127.0.0.1 (the emulator checks none), said by the command in a process of its own: its stderr as a user's
    terminal has it, with no handler of pytest's taking gcsfs's logged tracebacks or google's import warnings."""
    pytest.importorskip("gcsfs")
    refusal = json_reply({"error": {"code": status, "message": message,
                                    "errors": [{"message": message, "reason": "required"}]}}, status)
    with LoopbackServer({"GET *": refusal}) as refusing:
        env = {name: value for name, value in environ(("gs", None), STORAGE_EMULATOR_HOST=refusing.url).items()
               if value is not None}
        done = subprocess.run([sys.executable, "-m", "namel3ss_debug", "analyze", "gs://runs/team/run.jsonl"],
                              env={**{k: v for k, v in os.environ.items() if k not in env}, **env}, cwd=here,
                              capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (3, "")
    assert done.stderr.startswith(f"namel3ss-debug: error: gs://runs/team/run.jsonl: {said}")
    assert len(done.stderr.splitlines()) == 1
