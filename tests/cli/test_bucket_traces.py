"""Every reading command on a run in a bucket (moto's S3 server on 127.0.0.1, started once for the module) answers
what it answers for the same run on the local disk, byte for byte once the run's location is named the same; a
second `analyze` of an unchanged object is the cache's answer, read from nothing; a rewritten object is read again;
an object rewritten while it is read is one error; `runs` and `view` list a bucket's folder from an index in memory,
or into the team's index in PostgreSQL, where a machine with no traces finds the run and reads it from the bucket.

The run is a real one: an app (a fake LLM and a tool that fails one time in three) traced once for the module,
its events in three segments, uploaded as `s3://runs/team/RUN.000N.jsonl`.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner
from support.rerunhelpers import command
from support.pgserver import PgServer
from support.s3server import S3Server, rewritten_after_first_block
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli
from namel3ss_debug.ops.browse import lists_runs, open_browser
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest
from namel3ss_debug.ops.runs.catalogue import CatalogueRequest, open_catalogue
from namel3ss_debug.ops.runs.query import RunQuery
from namel3ss_debug.store import remote, remote_read

fsspec = pytest.importorskip("fsspec")
pytest.importorskip("s3fs")
pytestmark = pytest.mark.usefixtures("isolated_workspace")

APP = '''
from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM

LLM = FakeLLM(["thinking about the weather"] * 100)


@trace_llm_call(name="chat", codec=FakeCompletion)
def chat(prompt):
    return LLM.complete(prompt)


@trace_tool_call
def weather(city):
    if city == "Oslo":
        raise LookupError("no forecast for Oslo")
    return "sunny"


@trace_agent_execution(name="planner")
def main():
    for step in range(40):
        chat(f"step {step}: the weather?")
        try:
            weather(["Paris", "Oslo", "Rome"][step % 3])
        except LookupError:
            pass


main()
'''
FOLDER = "s3://runs/team/"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's folder, its run traced in three segments under `traces/`."""
    home = tmp_path_factory.mktemp("recorded")
    (home / "app.py").write_text(APP)
    (home / "good.py").write_text(APP.replace('city == "Oslo"', "city is None"))
    for app, folder in (("good.py", "good"), ("app.py", "traces")):
        done = command("trace", app, cwd=home, extra={"NAMEL3SS_DEBUG_MAX_EVENTS_PER_FILE": "60",
                                                      "NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR": folder})
        assert done.returncode == 0, done.stderr
    assert len(list((home / "traces").glob("*.jsonl"))) == 3
    return home


@pytest.fixture(scope="module")
def server(recorded: Path) -> Iterator[S3Server]:
    with S3Server() as started:
        started.make_bucket("runs")
        store = _store(started)
        for folder, prefix in (("traces", "team"), ("good", "good")):
            for segment in sorted((recorded / folder).glob("*.jsonl")):
                store.put_file(str(segment), f"runs/{prefix}/{segment.name}")
        yield started


@pytest.fixture
def here(recorded: Path, isolated_workspace: Path) -> Path:
    """This test's directory, holding a copy of the app and its run (`traces/`)."""
    shutil.copytree(recorded, isolated_workspace, dirs_exist_ok=True)
    return isolated_workspace


def _store(server: S3Server) -> object:
    return fsspec.filesystem("s3", skip_instance_cache=True, use_listings_cache=False,
                             endpoint_url=server.url, key="testing", secret="testing")


def invoke(server: S3Server, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={**server.environ(), "NO_COLOR": "1", "COLUMNS": "300",
                                                      **(env or {})}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_file(here: Path, index: int = 0) -> str:
    return f"traces/{sorted(path.name for path in (here / 'traces').glob('*.jsonl'))[index]}"


def both(server: S3Server, here: Path, *args: str, index: int = 0) -> tuple[tuple[int, str], tuple[int, str]]:
    """`args` with TRACE the run's segment on the disk, then the same segment in the bucket: each exit code and
    stdout, the bucket's location written as the disk's."""
    local = run_file(here, index)
    in_bucket = FOLDER + local.removeprefix("traces/")
    code, out, _ = invoke(server, *[local if arg == "TRACE" else arg for arg in args])
    code_b, out_b, err_b = invoke(server, *[in_bucket if arg == "TRACE" else arg for arg in args])
    assert "Traceback" not in err_b
    return (code, out), (code_b, out_b.replace(FOLDER, "traces/"))


@pytest.mark.parametrize("args", [
    ("analyze", "TRACE"),
    ("analyze", "TRACE", "--format", "json", "--no-cache"),
    ("analyze", "TRACE", "--format", "markdown"),
    ("inspect", "TRACE"),
    ("inspect", "TRACE", "--errors-only", "--format", "json"),
    ("inspect", "TRACE", "--event", "5"),
    ("inspect", "TRACE", "--tree"),
    ("replay", "TRACE"),
    ("diagnose", "TRACE"),
    ("diagnose", "TRACE", "--format", "json"),
    ("check", "TRACE", "--max-errors", "0"),
    ("export", "TRACE", "--to", "otlp-json", "-"),
    ("export", "TRACE", "--to", "perfetto", "-"),
], ids=lambda args: " ".join(args))
def test_a_command_answers_for_the_bucket_what_it_answers_for_the_disk(server, here, args) -> None:
    local, bucket = both(server, here, *args)
    assert bucket == local
    assert local[1].strip()


def test_any_segment_names_the_whole_run(server, here) -> None:
    first, last = (invoke(server, "analyze", FOLDER + run_file(here, index).removeprefix("traces/"), "--format",
                          "json", "--no-cache")[1] for index in (0, 2))
    assert first == last
    assert json.loads(first)["overview"]["runs"][0]["files"] == [
        FOLDER + run_file(here, index).removeprefix("traces/") for index in range(3)]


def test_a_folder_is_its_newest_run(server, here) -> None:
    code, out, _ = invoke(server, "analyze", FOLDER, "--format", "json", "--no-cache")
    named = invoke(server, "analyze", FOLDER + run_file(here).removeprefix("traces/"), "--format", "json",
                   "--no-cache")[1]
    assert code == 0 and out == named


def test_diff_reads_a_side_in_the_bucket_as_on_the_disk(server, here) -> None:
    local, bucket = both(server, here, "diff", "TRACE", run_file(here))
    assert bucket == local


def test_report_writes_the_page_it_writes_for_the_disk(server, here) -> None:
    pages = []
    for trace in (run_file(here), FOLDER + run_file(here).removeprefix("traces/")):
        code, out, _ = invoke(server, "report", trace, "-o", "page.html")
        pages.append((code, out, (here / "page.html").read_text().replace(FOLDER, "traces/")))
    assert pages[1] == pages[0] and pages[0][0] == 0


def test_runs_lists_a_folder_from_an_index_in_memory(server, here) -> None:
    code, local, _ = invoke(server, "runs", "traces", "--format", "json")
    code_b, listed, said = invoke(server, "runs", FOLDER, "--format", "json")
    assert (code_b, json.loads(listed.replace(FOLDER, "traces/"))["runs"]) == (code, json.loads(local)["runs"])
    assert "indexed in memory for this command" in said
    assert not any(name.endswith(".sqlite") for name in _store(server).ls("runs/team"))


def test_view_lists_a_folder_as_it_lists_a_directory(server, here, monkeypatch) -> None:
    for name, value in server.environ().items():
        monkeypatch.setenv(name, value)
    assert lists_runs([FOLDER]) and lists_runs([FOLDER.rstrip("/")])
    rows = {}
    for where in ("traces", FOLDER):
        browser = open_browser(ReportRequest(traces=(where,)), Environment(environ=os.environ, cwd=here))
        rows[where] = [json.loads(msgspec.json.encode(row).decode().replace(FOLDER, "traces/"))
                       for row in browser.catalogue.select(RunQuery())]
        browser.catalogue.index.close()
    assert rows[FOLDER] == rows["traces"] and rows[FOLDER]


def test_view_shows_a_bucket_run_s_page_as_a_local_run_s(server, here, monkeypatch) -> None:
    for name, value in server.environ().items():
        monkeypatch.setenv(name, value)
    pages = []
    for where in ("traces", FOLDER):
        browser = open_browser(ReportRequest(traces=(where,)), Environment(environ=os.environ, cwd=here))
        run_id = browser.catalogue.select(RunQuery())[0].run_id
        live = browser.run(run_id)
        assert live is not None
        pages.append(re.sub(r" at 0x[0-9a-f]+", "", repr(live.snapshot().page)).replace(FOLDER, "traces/"))
        browser.catalogue.index.close()
    assert pages[1] == pages[0]


def test_a_gzip_object_is_read_as_a_gzip_file(server, here) -> None:
    packed = gzip.compress((here / run_file(here)).read_bytes())
    (here / "one.jsonl.gz").write_bytes(packed)
    _store(server).pipe("runs/packed/one.jsonl.gz", packed)
    local = invoke(server, "analyze", "one.jsonl.gz", "--format", "json", "--no-cache")
    bucket = invoke(server, "analyze", "s3://runs/packed/one.jsonl.gz", "--format", "json", "--no-cache")
    assert bucket[0] == local[0] == 0
    assert bucket[1].replace("s3://runs/packed/", "") == local[1]


def test_a_second_analyze_is_the_cache_s_answer_without_a_read(server, here, monkeypatch) -> None:
    opened: list[str] = []
    real = remote.open_object
    monkeypatch.setattr(remote, "open_object", lambda url: opened.append(url) or real(url))
    store = _store(server)
    store.pipe("runs/cached/one.jsonl", (here / run_file(here)).read_bytes())
    first = invoke(server, "analyze", "s3://runs/cached/one.jsonl", "--format", "json")
    assert first[0] == 0 and opened == ["s3://runs/cached/one.jsonl"]  # once: what redaction would hide, learned on
    # the way, not from a second download
    opened.clear()
    second = invoke(server, "analyze", "s3://runs/cached/one.jsonl", "--format", "json")
    assert second == first and opened == []
    store.pipe("runs/cached/one.jsonl", (here / run_file(here, 1)).read_bytes())  # rewritten: another version
    third = invoke(server, "analyze", "s3://runs/cached/one.jsonl", "--format", "json")
    assert opened and third[1] != first[1]


def test_a_value_under_a_sensitive_key_keeps_a_bucket_run_s_answer_out_of_the_cache(server, here, tmp_path,
                                                                                    monkeypatch) -> None:
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "login", 20.0, trace.root, inputs={"api_key": "corpKEY-7781-zeta"})
    trace.span("tool", "corpKEY-7781-zeta", 5.0, trace.root)  # a name that copies it: analyze keeps names
    trace.run_end()
    _store(server).pipe("runs/secret/run.jsonl", trace.write(tmp_path / "run.jsonl").read_bytes())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    code, out, _ = invoke(server, "analyze", "s3://runs/secret/run.jsonl", "--format", "json")
    assert code == 0 and "corpKEY-7781-zeta" in out  # the report says the name: its copy is not kept
    kept = [path for path in (tmp_path / "cache").rglob("*") if path.is_file()]
    assert not any(b"corpKEY-7781-zeta" in path.read_bytes() for path in kept)
    results = tmp_path / "cache" / "namel3ss-debug" / "results"
    assert not results.exists() or not any(results.iterdir())
    _store(server).pipe("runs/secret/clean.jsonl", (here / run_file(here)).read_bytes())
    assert invoke(server, "analyze", "s3://runs/secret/clean.jsonl", "--format", "json")[0] == 0
    assert any(results.iterdir())  # the cache is on: a run with nothing to hide is kept


@pytest.mark.parametrize(("name", "asked"), [("one.jsonl", {"stat": 1}),
                                             ("20261129-100000-abcdef.0000.jsonl", {"listing": 1})])
def test_a_cached_answer_costs_one_request(server, here, monkeypatch, name: str, asked: dict[str, int]) -> None:
    _store(server).pipe(f"runs/asked/{name}", (here / run_file(here)).read_bytes())
    assert invoke(server, "analyze", f"s3://runs/asked/{name}", "--format", "json")[0] == 0
    calls: dict[str, int] = {}
    for function in ("stat", "listing", "open_object"):
        real = getattr(remote, function)
        monkeypatch.setattr(remote, function, lambda url, real=real, function=function:
                            calls.update({function: calls.get(function, 0) + 1}) or real(url))
    assert invoke(server, "analyze", f"s3://runs/asked/{name}", "--format", "json")[0] == 0
    assert calls == asked  # a HEAD for an object, a LIST for a segment (its run's other segments): no read


def test_an_object_rewritten_during_the_read_is_one_error(server, here, monkeypatch) -> None:
    monkeypatch.setattr(remote_read, "READ_BLOCK", 64 << 10)  # the rewrite comes before the last ranges are asked
    store = _store(server)
    big = (here / run_file(here)).read_bytes()
    big = big * (40 * remote_read.READ_BLOCK // len(big) + 1)
    store.pipe("runs/changing/run.jsonl", big)
    rewritten_after_first_block(monkeypatch, lambda: store.pipe("runs/changing/run.jsonl", big[: len(big) // 2]))
    code, out, err = invoke(server, "analyze", "s3://runs/changing/run.jsonl", "--no-cache")
    assert code == 3 and out == ""
    assert err.strip().splitlines() == [
        "namel3ss-debug: error: s3://runs/changing/run.jsonl: the object changed while it was read (its version is "
        "not the one the read began with) (read it again once nothing writes it)"]


def test_an_unreachable_store_is_one_line_exit_3(here) -> None:
    with S3Server() as stopping:
        stopping.make_bucket("runs")
    code, out, err = invoke(stopping, "analyze", "s3://runs/team/", "--no-cache")
    assert code == 3 and out == ""
    assert len(err.strip().splitlines()) == 1 and "the store does not answer" in err


def test_no_credentials_is_one_line_exit_3(server, here, tmp_path) -> None:
    environ: dict[str, str | None] = {name: None for name in os.environ if name.startswith("AWS_")}
    environ.update(AWS_ENDPOINT_URL_S3=server.url, AWS_EC2_METADATA_DISABLED="true", HOME=str(tmp_path),
                   AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_CONFIG_FILE=str(tmp_path / "none"))
    result = CliRunner().invoke(cli, ["analyze", "s3://runs/team/"], env=environ, catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == ("namel3ss-debug: error: s3://runs/team/: no credentials for the store (set "
                             "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, as the AWS CLI reads)\n")


def test_access_denied_is_one_line_exit_3(here) -> None:
    with S3Server({"INITIAL_NO_AUTH_ACTION_COUNT": "0"}) as guarded:  # moto checks every request's keys
        code, out, err = invoke(guarded, "analyze", "s3://runs/team/run.jsonl")
    assert (code, out) == (3, "")
    assert err.startswith("namel3ss-debug: error: s3://runs/team/run.jsonl: access denied")
    assert len(err.splitlines()) == 1 and "check the credentials" in err


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ("replay", "TRACE", "--rerun", "--yes", "--format", "json"),
    ("replay", "TRACE", "--rerun", "--fork", "tool:weather#2", "--yes", "--format", "json"),
    ("verify", "TRACE", "--yes", "--format", "json"),
    ("bisect", "TRACE", "--good", "GOOD", "--yes", "--format", "json"),
], ids=lambda args: " ".join(args[:3]))
def test_a_rerun_of_a_run_in_the_bucket_judges_as_one_on_the_disk(server, here, args) -> None:
    verdicts = []
    for trace, good in ((run_file(here), "good"), (FOLDER + run_file(here).removeprefix("traces/"), "s3://runs/good/")):
        named = {"TRACE": trace, "GOOD": good}
        done = command(*[named.get(arg, arg) for arg in args], cwd=here, extra=server.environ())
        assert "Traceback" not in done.stderr
        verdicts.append((done.returncode, _judged(json.loads(done.stdout))))
    assert verdicts[1] == verdicts[0]


def _judged(document: dict) -> dict:
    """What a rerun's record judged, without what differs between two reruns (new run ids, paths, times)."""
    kept = {}
    for key in ("verdict", "exit_code", "passes", "counts", "misses", "reproduced", "not_reproduced", "failed",
                "parted", "fork", "status", "call", "rerun_count", "candidates"):
        if key in document:
            kept[key] = document[key]
    return json.loads(json.dumps(kept, sort_keys=True).replace(FOLDER, "traces/"))


def test_a_bucket_folder_synced_into_the_teams_postgresql_index_is_listed_and_read_anywhere(
        server: S3Server, here: Path, pg_server: PgServer, pg_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A CI runner lists its bucket folder into the team's index; a laptop with no traces lists the run from the
    index, its files the bucket's objects, and `diagnose` of the first reads it as the same run on the disk."""
    team = {**pg_server.environ(), "NAMEL3SS_DEBUG_RUN_INDEX_URL": pg_url}
    code, _, said = invoke(server, "runs", FOLDER, "--format", "json", env=team)
    assert code == 0 and "made (schema namel3ss_debug)" in said
    for name, value in server.environ().items():  # botocore reads them from the process
        monkeypatch.setenv(name, value)
    environ = {**os.environ, **team}
    again = open_catalogue(CatalogueRequest(FOLDER), Environment(environ=environ, cwd=here, warn=print))
    again.index.close()
    assert (again.synced.added, again.synced.updated, again.synced.unchanged) == (0, 0, 1)  # read once
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    os.chdir(laptop)
    code, listed, _ = invoke(server, "runs", "--format", "json", env=team)
    (run,) = json.loads(listed)["runs"]
    assert code == 0 and run["files"] == [FOLDER + name.removeprefix("traces/") for name in
                                          (run_file(here, index) for index in range(3))]
    os.chdir(here)
    from_bucket = invoke(server, "diagnose", run["files"][0], "--format", "json")
    on_disk = invoke(server, "diagnose", run_file(here), "--format", "json")
    assert (from_bucket[0], from_bucket[1].replace(FOLDER, "traces/")) == on_disk[:2]
