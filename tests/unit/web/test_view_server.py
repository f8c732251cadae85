"""The server `view` runs: loopback only, its page and its data only, and a followed run read again as it grows."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.analysis.fields import micros
from namel3ss_debug.ops.environment import Environment
from namel3ss_debug.ops.report import ReportRequest
from namel3ss_debug.ops.view import LiveRun, NoRunYet
from namel3ss_debug.web.server import ViewServer


def growing_run(path: Path) -> TraceBuilder:
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "first", 1)
    trace.write(path)
    return trace


@pytest.fixture
def served(tmp_path):
    """A server following a run that has not ended; yields (server, trace, path)."""
    path = tmp_path / "run.jsonl"
    trace = growing_run(path)
    server = ViewServer(LiveRun(ReportRequest((str(path),)), Environment(cwd=tmp_path), follow=True),
                        max_text=1000, on_error=lambda message: None)
    server.start()
    yield server, trace, path
    server.shutdown()
    server.server_close()


def get(server: ViewServer, path: str, host: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    headers = {"Host": host} if host is not None else {}
    connection.request("GET", path, headers=headers)
    return connection.getresponse()


def test_it_listens_on_loopback_only(served) -> None:
    server, _, _ = served
    assert server.server_address[0] == "127.0.0.1"
    for address in _other_addresses():
        with pytest.raises(OSError):
            socket.create_connection((address, server.server_address[1]), timeout=2)


def _other_addresses() -> list[str]:
    """This machine's IPv4 addresses that are not loopback (none on a machine without a network)."""
    try:
        text = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [address for address in text.split() if "." in address and not address.startswith("127.")]


def test_a_peer_that_is_not_on_loopback_is_refused(served) -> None:
    server, _, _ = served
    ours, theirs = socket.socketpair()
    theirs.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % server.server_address[1])
    server.finish_request(ours, ("192.0.2.7", 40000))  # as if it came from another host
    ours.close()
    assert theirs.recv(4096).startswith(b"HTTP/1.0 403")


def test_a_request_for_another_host_name_is_refused(served) -> None:
    server, _, _ = served
    assert get(server, "/", host="attacker.example").status == 403


@pytest.mark.parametrize("path", ["/etc/passwd", "/../run.jsonl", "/run.jsonl", "/data/x", "/favicon.ico"])
def test_any_other_path_is_not_found(served, path) -> None:
    server, _, _ = served
    assert get(server, path).status == 404


def test_the_page_is_served_with_its_data(served) -> None:
    server, _, _ = served
    response = get(server, "/")
    body = response.read().decode()
    assert response.status == 200 and response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert '"data_url":"/data"' in body and "connect-src &#x27;self&#x27;" in body


def test_data_is_the_document_and_unchanged_data_is_no_content(served) -> None:
    server, _, _ = served
    document = json.loads(get(server, "/data").read())
    assert document["live"]["ended"] is False
    version = document["live"]["version"]
    assert get(server, f"/data?since={version}").status == 204


def test_spans_written_since_appear_in_the_next_data(served) -> None:
    server, trace, path = served
    version = json.loads(get(server, "/data").read())["live"]["version"]
    trace.span("tool", "second", 1)
    trace.run_end()
    path.write_bytes(trace.lines())
    response = get(server, f"/data?since={version}")
    document = json.loads(response.read())
    assert response.status == 200 and document["live"]["version"] > version
    assert document["runs"][0]["spans"]["name"][-1] == "second" and document["live"]["ended"] is True


def test_a_running_span_keeps_growing_while_the_run_is_written(tmp_path) -> None:
    path = tmp_path / "run.jsonl"
    trace = TraceBuilder()
    trace.run_start()
    trace.start("tool", "slow")
    trace.write(path)
    now = [0.0]
    live = LiveRun(ReportRequest((str(path),)), Environment(cwd=tmp_path), follow=True, clock=lambda: now[0])
    started = micros(trace.events[0]["ts"]) / 1e6
    now[0] = started + 5
    first = live.snapshot().now_ms
    now[0] = started + 7
    assert (first, live.snapshot().now_ms) == pytest.approx((5000.0, 7000.0))


def run_in(directory: Path, run_id: str, *, ended: bool) -> TraceBuilder:
    """A run written to `directory` as the tracer names its files; ended or still being written (a tool in flight)."""
    trace = TraceBuilder(run_id)
    trace.run_start()
    trace.span("tool", "done", 1)
    trace.start("tool", "slow")
    if ended:
        trace.run_end()
    directory.mkdir(parents=True, exist_ok=True)
    trace.write(directory / f"{run_id}.0000.jsonl")
    return trace


OLD, NEW = "20261122-100000-aaaaaa", "20261122-110000-bbbbbb"


def test_following_a_directory_moves_to_the_run_that_starts_there(tmp_path) -> None:
    run_in(tmp_path / "traces", OLD, ended=True)
    live = LiveRun(ReportRequest((str(tmp_path / "traces"),)), Environment(cwd=tmp_path), follow=True)
    before = live.snapshot()
    assert (before.page.runs[0].run_id, before.ended) == (OLD, True)
    run_in(tmp_path / "traces", NEW, ended=False)
    after = live.snapshot()
    assert (after.page.runs[0].run_id, after.ended, after.switched_from) == (NEW, False, OLD)
    assert after.version > before.version


def test_without_trace_the_trace_directory_is_waited_for_then_followed(tmp_path) -> None:
    live = LiveRun(ReportRequest(()), Environment(cwd=tmp_path), follow=True)
    with pytest.raises(NoRunYet, match="no run in .*debug/traces yet"):
        live.snapshot()
    run_in(tmp_path / "debug" / "traces", NEW, ended=False)
    assert live.snapshot().page.runs[0].run_id == NEW


def test_a_run_being_written_is_running_and_its_open_calls_in_flight(tmp_path) -> None:
    trace = run_in(tmp_path / "traces", NEW, ended=False)
    server = ViewServer(LiveRun(ReportRequest((str(tmp_path / "traces"),)), Environment(cwd=tmp_path), follow=True),
                        max_text=1000, on_error=lambda message: None)
    document = server.document(server.live.snapshot())
    run = document["runs"][0]
    statuses = [run["tables"]["statuses"][index] for index in run["spans"]["status"]]
    health, integrity = run["analysis"]["health"], run["analysis"]["integrity"]
    assert (run["status"], document["live"]["in_flight"]) == ("running", 1)
    assert statuses == ["in flight", "completed", "in flight"]  # the run, the tool that ended, the tool still going
    assert health["verdict"] == "running" and not any("never ended" in reason for reason in health["reasons"])
    assert integrity["ok"] and integrity["unclosed_spans"] == 0
    trace.end(trace.events[-1]["span_id"], 5)
    trace.run_end()
    trace.write(tmp_path / "traces" / f"{NEW}.0000.jsonl")
    ended = server.document(server.live.snapshot())["runs"][0]
    assert (ended["status"], ended["analysis"]["health"]["verdict"]) == ("completed", "healthy")


def test_a_run_named_and_followed_is_not_left_for_a_newer_one(tmp_path) -> None:
    run_in(tmp_path / "traces", OLD, ended=False)
    live = LiveRun(ReportRequest((str(tmp_path / "traces" / f"{OLD}.0000.jsonl"),)), Environment(cwd=tmp_path),
                   follow=True)
    live.snapshot()
    run_in(tmp_path / "traces", NEW, ended=False)
    assert live.snapshot().page.runs[0].run_id == OLD


def test_a_run_read_without_follow_that_never_ended_is_degraded_as_report_says(tmp_path) -> None:
    run_in(tmp_path / "traces", NEW, ended=False)
    server = ViewServer(LiveRun(ReportRequest((str(tmp_path / "traces"),)), Environment(cwd=tmp_path)),
                        max_text=1000, on_error=lambda message: None)
    run = server.document(server.live.snapshot())["runs"][0]
    assert (run["status"], run["analysis"]["health"]["verdict"]) == ("not ended", "degraded")
    assert "unclosed" in run["tables"]["statuses"] and "in flight" not in run["tables"]["statuses"]


def test_a_followed_run_whose_process_is_gone_is_not_running_but_not_ended(tmp_path) -> None:
    writer = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    trace = run_in(tmp_path / "traces", NEW, ended=False)
    trace.events[0].update(pid=writer.pid, attrs={**trace.events[0]["attrs"], "host": socket.gethostname()})
    trace.write(tmp_path / "traces" / f"{NEW}.0000.jsonl")
    server = ViewServer(LiveRun(ReportRequest((str(tmp_path / "traces"),)), Environment(cwd=tmp_path), follow=True),
                        max_text=1000, on_error=lambda message: None)
    alive = server.document(server.live.snapshot())
    assert (alive["runs"][0]["status"], alive["live"]["running"]) == ("running", True)
    writer.stdin.close()  # the app's process ends, its run_end never written; its files do not change again
    writer.wait()
    gone = server.document(server.live.snapshot())
    run = gone["runs"][0]
    assert (run["status"], run["analysis"]["health"]["verdict"], gone["live"]["running"]) == ("not ended", "degraded",
                                                                                             False)
    assert "unclosed" in run["tables"]["statuses"] and "in flight" not in run["tables"]["statuses"]


def test_a_request_target_whose_host_does_not_parse_is_a_bad_request(served) -> None:
    server, _, _ = served
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as sock:
        sock.sendall(b"GET http://[oops]/ HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % server.server_address[1])
        assert sock.recv(4096).startswith(b"HTTP/1.0 400")  # not a connection dropped by urlsplit's ValueError
