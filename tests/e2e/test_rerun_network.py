"""A rerun closes the network for every route out of the app, on the real command.

An app (apps/network_routes.py) tries each way out against listeners this test starts on 127.0.0.1: a TCP
connect, a UDP sendto and sendmsg, a child Python, os.system running bash's /dev/tcp, the C library's
connect through ctypes, and a name lookup (the command runs in a mount namespace whose /etc/resolv.conf
names a DNS listener on 127.0.0.1:53). Recorded, every route reaches a listener; rerun, none does, and the
report says how the network was closed and what was refused or stopped. The rerun runs as root (a network
namespace), as an unprivileged user (a user namespace mapping its own ids), and where namespaces are
refused (the in-process guard alone, which says what it leaves open). `--on-miss live` and `--live-tools`
still let through what they need, and so does `live` at the rerun's console.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

import orjson
import pytest
from support.stubs import TcpListener
from support.stubserver import StubServer

ROUTES_APP = Path(__file__).parent / "apps" / "network_routes.py"
NAME = "n3probe.example"
NOBODY = 65534
RESOLV = "nameserver 127.0.0.1\noptions attempts:1 timeout:1\n"
ALL_ROUTES = {b"tcp", b"sendto", b"sendmsg", b"child", b"system", b"libc", f"dns:{NAME}".encode()}

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("unshare")
    or not shutil.which("setpriv") or not shutil.which("bash"),
    reason="needs Linux, root (a DNS listener on port 53, other users), unshare, setpriv and bash")


class Listeners:
    """A TCP and a UDP listener on 127.0.0.1, and a DNS server on 127.0.0.1:53 that answers every query
    with 'no such name': what each received (`dns:NAME` for a query)."""

    def __init__(self) -> None:
        self.udp = self._udp(0)
        try:
            self.dns = self._udp(53)
        except OSError:
            self.udp.close()
            raise
        self.tcp = TcpListener()
        self._heard: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=target, daemon=True) for target in (self._datagrams, self._queries)]
        for sock in (self.udp, self.dns):
            sock.settimeout(0.1)  # each loop looks at _stop this often: a socket blocked in recv stays bound
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _udp(port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", port))
        return sock

    @property
    def ports(self) -> tuple[str, str]:
        return str(self.tcp.port), str(self.udp.getsockname()[1])

    def heard(self) -> set[bytes]:
        """What arrived, once what is on its way has had time to."""
        time.sleep(0.5)
        with self._lock:
            return set(self._heard) | set(self.tcp.heard)

    def clear(self) -> None:
        with self._lock:
            self._heard.clear()
        self.tcp.take(settle=0)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self.tcp.close()
        for sock in (self.udp, self.dns):
            sock.close()

    def _note(self, data: bytes) -> None:
        with self._lock:
            self._heard.append(data)

    def _datagrams(self) -> None:
        while not self._stop.is_set():
            try:
                self._note(self.udp.recv(4096))
            except TimeoutError:
                continue

    def _queries(self) -> None:
        while not self._stop.is_set():
            try:
                query, sender = self.dns.recvfrom(4096)
            except TimeoutError:
                continue
            name, end = _question(query)
            self._note(f"dns:{name}".encode())
            self.dns.sendto(query[:2] + b"\x81\x83\x00\x01" + bytes(6) + query[12:end], sender)  # NXDOMAIN


def _question(query: bytes) -> tuple[str, int]:
    """The name a DNS query asks for, and where its question ends."""
    labels, at = [], 12
    while query[at]:
        labels.append(query[at + 1:at + 1 + query[at]].decode())
        at += 1 + query[at]
    return ".".join(labels), at + 5


@pytest.fixture
def listeners() -> Iterator[Listeners]:
    try:
        started = Listeners()
    except OSError as error:
        pytest.skip(f"cannot listen on 127.0.0.1:53: {error}")
    yield started
    started.close()


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A directory any user may use (pytest's own are root's only), with a resolv.conf naming our DNS."""
    path = Path(tempfile.mkdtemp(prefix="n3-rerun-network-"))
    path.chmod(0o777)
    (path / "resolv.conf").write_text(RESOLV)
    shutil.copy(ROUTES_APP, path / "app.py")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def resolving(workdir: Path) -> list[str]:
    """Run the command in a mount namespace where /etc/resolv.conf names the DNS listener."""
    return ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/resolv.conf && exec "$@"',
            str(workdir / "resolv.conf")]


AS_ROOT: list[str] = []
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def no_namespaces(workdir: Path) -> list[str]:
    """A user namespace where more user namespaces are refused (max_user_namespaces 0) and root has no
    capability: neither kind of namespace can be made, as for a user of a locked-down machine."""
    return ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
            'echo 0 > /proc/sys/user/max_user_namespaces && mount --bind "$0" /etc/resolv.conf '
            '&& exec setpriv --bounding-set=-all --inh-caps=-all "$@"', str(workdir / "resolv.conf")]


def command(prefix: list[str], workdir: Path, *args: str, typed: str | None = None,
            **environ: str) -> subprocess.CompletedProcess[str]:
    """The command run as `prefix` says, in `workdir`, with `typed` on its standard input."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    env.update({"NO_COLOR": "1", "COLUMNS": "240", "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(workdir),
                "XDG_CACHE_HOME": str(workdir / "cache"), **environ})
    return subprocess.run([*prefix, sys.executable, "-m", "namel3ss_debug", *args], cwd=workdir, env=env,
                          input=typed, capture_output=True, text=True, timeout=180)


def record_and_rerun(prefix: list[str], workdir: Path, listeners: Listeners) -> tuple[dict, str]:
    """Record the app (every route reaches a listener), then rerun it: the report and the app's output."""
    recorded = command(prefix, workdir, "trace", "-q", "-o", "recorded", "app.py", *listeners.ports, NAME)
    assert recorded.returncode == 0, recorded.stderr
    assert listeners.heard() == ALL_ROUTES, recorded.stdout  # each route does reach the listeners
    listeners.clear()
    again = command(prefix, workdir, "replay", "recorded", "--rerun", "--no-cache", "-o", "reruns",
                    "--format", "json")
    assert "Traceback" not in again.stderr.split("rerun of", 1)[0], again.stderr  # none of ours
    assert again.returncode == 1, again.stderr
    return orjson.loads(again.stdout), again.stderr


def refusals(listeners: Listeners) -> list[str]:
    """What the in-process guard refuses of the app's routes, in their order."""
    tcp, udp = listeners.ports
    return [f"connect 127.0.0.1:{tcp}", f"sendto 127.0.0.1:{udp}", f"sendmsg 127.0.0.1:{udp}",
            "connect through ctypes", f"resolve {NAME}"]


@pytest.mark.parametrize(("who", "how"), [
    (AS_ROOT, "a user namespace (every uid and gid mapped to itself) and a network namespace with its own loopback "
              "up, nothing else"),
    (AS_NOBODY, "a user namespace (your uid and gid mapped to themselves) and a network namespace with its own "
                "loopback up, nothing else"),
])
def test_in_a_namespace_no_route_reaches_a_listener_and_each_attempt_is_reported(listeners, workdir, who, how):
    os.chown(workdir, NOBODY, NOBODY)
    report, app_output = record_and_rerun([*resolving(workdir), *who], workdir, listeners)
    assert listeners.heard() == set()
    assert report["network"] == {"closed_by": "namespace", "how": how,
                                 "open_to": ["Unix sockets with a path (files, not the network)"],
                                 "stopped": 2, "reached": 0, "processes": 2,  # the child Python's and bash's
                                 "started": ["python3 from __main__", "bash from __main__"]}
    assert [miss["call"] for miss in report["misses"]] == refusals(listeners)
    assert report["reproduced"] is False and report["not_reproduced"] == "5 call(s) had no recorded answer"
    assert report["notes"] == [f"network: closed by {how}, which stopped 2 attempt(s) to connect or send (where the "
                               "in-process guard does not see: a process the app started, or native code)"]
    assert "child: CalledProcessError" in app_output and "system: OSError" in app_output
    new_trace = Path(report["new_trace"][0])
    assert new_trace.stat().st_uid == (NOBODY if who == AS_NOBODY else 0)  # the user stays who they are


def test_where_namespaces_are_refused_the_guard_refuses_this_process_and_says_what_it_leaves_open(listeners,
                                                                                                  workdir):
    report, _ = record_and_rerun(no_namespaces(workdir), workdir, listeners)
    assert listeners.heard() == {b"child", b"system"}  # processes the app starts: the guard cannot see them
    network = report["network"]
    assert network["closed_by"] == "guard" and network["processes"] == 2 and network["stopped"] == 0
    assert network["how"] == ("no network namespace: unshare(CLONE_NEWNET): Operation not permitted; "
                              "unshare(CLONE_NEWUSER | CLONE_NEWNET): No space left on device")
    assert network["open_to"][0] == "processes the app starts"
    assert [miss["call"] for miss in report["misses"]] == refusals(listeners)
    assert report["notes"][-1].startswith("network: closed by the in-process guard only (no network namespace: "
                                          "unshare(CLONE_NEWNET): Operation not permitted;")
    assert "not covered: processes the app starts (2 started: python3 from __main__, bash from __main__);" \
        in report["notes"][-1]


CHAT_APP = """
import os, socket, sys
import httpx

url, tcp = sys.argv[1], int(sys.argv[2])

def ask(question):
    reply = httpx.post(url + "/v1/chat/completions", headers={"Authorization": "Bearer sk-test"}, timeout=10,
                       json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]})
    return reply.json()["choices"][0]["message"]["content"]

print(ask("What is the weather in Paris?"))
if os.environ.get("ASK_AGAIN"):  # the changed app: a question the recording never asked, and a raw socket
    print(ask("And in Lisbon?"))
    with socket.create_connection(("127.0.0.1", tcp), timeout=5) as sock:
        sock.sendall(b"outside")
"""


def test_on_miss_live_lets_a_new_llm_call_reach_its_server_and_counts_what_else_went_out(listeners, workdir):
    (workdir / "chat.py").write_text(CHAT_APP)
    with StubServer() as stub:
        args = ("chat.py", stub.url, listeners.ports[0])
        assert command(AS_ROOT, workdir, "trace", "-q", "-o", "recorded", *args).returncode == 0
        asked = len(stub.requests)
        listeners.clear()
        again = command(AS_ROOT, workdir, "replay", "recorded", "--rerun", "--no-cache", "--on-miss", "live",
                        "-o", "reruns", "--format", "json", ASK_AGAIN="1")
        assert len(stub.requests) == asked + 1  # the new question, live; the first one from the recording
    report = orjson.loads(again.stdout)
    assert "And in Lisbon?" in again.stderr and again.returncode == 1
    assert (report["counts"]["recorded"], report["counts"]["live"], report["counts"]["missed"]) == (1, 1, 0)
    network = {key: report["network"][key] for key in ("closed_by", "how", "open_to", "stopped", "reached")}
    assert network == {"closed_by": "open", "how": "--on-miss live: a call the recording cannot answer runs for real",
                       "open_to": ["everything: a call the recording cannot answer runs for real"],
                       "stopped": 0, "reached": 1}  # the raw socket, not the live call
    assert listeners.heard() == {b"outside"}
    assert report["not_reproduced"] == "1 call(s) ran live instead of being answered from the recording"


TOOL_APP = """
import socket, sys
from namel3ss_debug import trace_tool_call

TCP = int(sys.argv[1])

def send(what):
    with socket.create_connection(("127.0.0.1", TCP), timeout=5) as sock:
        sock.sendall(what)

@trace_tool_call
def notify(message):
    send(message.encode())
    return "sent"

print("tool:", notify("tool"))
try:
    send(b"outside")
    print("outside: sent")
except BaseException as error:
    print("outside:", type(error).__name__)
"""


def test_live_tools_keep_the_network_for_their_bodies_only(listeners, workdir):
    (workdir / "tool.py").write_text(TOOL_APP)
    assert command(AS_ROOT, workdir, "trace", "-q", "-o", "recorded", "tool.py", listeners.ports[0]).returncode == 0
    assert listeners.heard() == {b"tool", b"outside"}
    listeners.clear()
    again = command(AS_ROOT, workdir, "replay", "recorded", "--rerun", "--no-cache", "--live-tools", "-o", "reruns",
                    "--format", "json")
    report = orjson.loads(again.stdout)
    assert listeners.heard() == {b"tool"}
    assert "tool: sent" in again.stderr and "outside: RerunMiss" in again.stderr
    assert report["counts"]["reran"] == 1
    assert [miss["call"] for miss in report["misses"]] == [f"connect 127.0.0.1:{listeners.ports[0]}"]
    network = report["network"]
    assert (network["closed_by"], network["how"]) == ("guard", "--live-tools: tool bodies run for real, with the "
                                                                "network")
    assert network["open_to"][-1] == "calls the rerun runs for real, while they run"


def test_a_rerun_with_the_network_closed_does_not_export_live_and_says_so(workdir):
    (workdir / "quiet.py").write_text("print('done')\n")
    exporting = {"NAMEL3SS_DEBUG_EXPORTERS": "jsonl,otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"}
    assert command(AS_ROOT, workdir, "trace", "-q", "-o", "recorded", "quiet.py").returncode == 0
    again = command(AS_ROOT, workdir, "replay", "recorded", "--rerun", "--no-cache", "-o", "reruns", "--format",
                    "json", **exporting)
    assert "warning: live export (exporters: otlp) is off for this rerun: the network is closed while the app " \
           "runs, open only to a call run live (a fork's, --live-tools), while it runs; send the new run " \
           "afterwards with namel3ss-debug export TRACE --to otlp" in again.stderr
    start = orjson.loads(Path(orjson.loads(again.stdout)["new_trace"][0]).read_bytes().splitlines()[1])
    assert start["attrs"]["config"]["exporters"] == ["jsonl"]
    assert start["attrs"]["config_sources"]["exporters"] == "--rerun (the network is closed)"
    assert orjson.loads(again.stdout)["misses"] == []  # the exporter's connection is not the app's miss


def test_a_call_run_live_at_the_console_reaches_its_server(workdir):
    examples = Path(__file__).resolve().parents[2] / "examples"
    for name in ("openai_app.py", "llm_stub_server.py", "llm_stub_apis.py"):
        shutil.copy(examples / name, workdir / name)
    recorded = command(AS_ROOT, workdir, "trace", "-q", "-o", "recorded", "openai_app.py")
    assert "http requests: 2" in recorded.stdout, recorded.stderr  # the app's own stub server answered both
    again = command(AS_ROOT, workdir, "replay", "recorded", "--rerun", "--no-cache", "--step", "-o", "reruns",
                    typed="live\nc\n")
    assert "http requests: 1" in again.stdout, again.stderr  # the first call, run live; the second answered
    # the app's own loop runs its tool, which no hook holds (recorded from the wire): it runs again
    assert "calls         1 from the recording, 1 run again (judged by what they returned), 1 run live" in again.stdout
    assert "unhooked      1 tool call no hook recorded ran again (seen on the wire or through OpenTelemetry): it " \
           "returned what the recording has" in again.stdout
    assert "note: network: closed by the in-process guard only (the rerun's console can run a call live)" \
           in again.stdout
