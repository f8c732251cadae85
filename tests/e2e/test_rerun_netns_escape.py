"""A closed rerun stays closed for an app running as root, on the real command.

A listener on the host's 127.0.0.1 (a thread of this test) and an app (apps/netns_escape.py) that, as root,
tries the ways out of a network namespace: setns() to its parent's network namespace, setns() on each of its
own descriptors that is a namespace, and a socket the command inherited. Recorded, each reaches the listener;
rerun (`--on-miss error`, nothing for real), none does, and the report counts the namespace's attempts, not
the host's.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import orjson
import pytest
from support.stubs import TcpListener

ESCAPE_APP = Path(__file__).parent / "apps" / "netns_escape.py"
IN_A_USER_NAMESPACE = ("a user namespace (every uid and gid mapped to itself) and a network namespace with its own "
                       "loopback up, nothing else")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or os.geteuid() != 0,
                                reason="needs Linux and root (the ways out are root's)")


@pytest.fixture
def listener() -> Iterator[TcpListener]:
    started = TcpListener(timeout=30)
    yield started
    started.close()


@pytest.fixture
def workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="n3-netns-escape-"))
    shutil.copy(ESCAPE_APP, path / "app.py")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def command(workdir: Path, listener: TcpListener, *args: str, env: dict[str, str] | None = None,
            user: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command, run by this process (its parent, in the host's network namespace), holding a socket
    connected to the listener that it inherited; `user`: the words that run it as another user."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    environ.update({"NO_COLOR": "1", "COLUMNS": "240", "PYTHONDONTWRITEBYTECODE": "1", "HOME": str(workdir),
                    "XDG_CACHE_HOME": str(workdir / "cache"), **(env or {})})
    with socket.create_connection(listener.address) as passed:
        return subprocess.run([*(user or []), sys.executable, "-m", "namel3ss_debug", *args], cwd=workdir,
                              env=environ, pass_fds=(passed.fileno(),), capture_output=True, text=True, timeout=180)


def record_and_rerun(workdir: Path, listener: TcpListener, way: str) -> tuple[dict, str]:
    """Record the app (its way reaches the listener), then rerun it: the report and the app's output."""
    recorded = command(workdir, listener, "trace", "-q", "-o", "recorded", "app.py", str(listener.port), way)
    assert recorded.returncode == 0, recorded.stderr
    assert listener.take() == [way.encode()], recorded.stdout  # outside a rerun, the way out is open
    again = command(workdir, listener, "replay", "recorded", "--rerun", "--no-cache", "-o", "reruns",
                    "--format", "json")
    assert "Traceback" not in again.stderr.split("rerun of", 1)[0], again.stderr  # none of ours
    return orjson.loads(again.stdout), again.stderr


@pytest.mark.parametrize("way", ["parent", "descriptors"])
def test_setns_back_to_the_host_is_refused_and_the_report_counts_the_namespaces_attempts(listener, workdir, way):
    report, app_output = record_and_rerun(workdir, listener, way)
    assert listener.take() == [], app_output
    assert "child: CalledProcessError" in app_output  # its connect had nowhere to go
    assert "setns fd" not in app_output  # the rerun holds no descriptor of a namespace
    network = report["network"]
    assert (network["closed_by"], network["how"], network["stopped"]) == ("namespace", IN_A_USER_NAMESPACE, 1)


def test_the_parents_network_namespace_cannot_even_be_opened(listener, workdir):
    _, app_output = record_and_rerun(workdir, listener, "parent")
    assert "setns parent: PermissionError: [Errno 13] Permission denied" in app_output


def test_a_socket_the_command_inherited_is_useless_to_the_app(listener, workdir):
    report, app_output = record_and_rerun(workdir, listener, "inherited")
    assert listener.take() == [], app_output
    assert "send fd" not in app_output  # no socket is left beyond the standard streams
    network = report["network"]
    assert (network["closed_by"], network["how"], network["stopped"]) == ("namespace", IN_A_USER_NAMESPACE, 0)


# -- bisect's reruns are closed the same way -------------------------------------------------------------------


def bisect(workdir: Path, listener: TcpListener, way: str, user: list[str]) -> dict:
    """Record the escape app's failed run (its way reaches the listener), then bisect it with an answer that fixes
    it: the report, after checking that no rerun reached the listener."""
    env = {"ESCAPE_BISECT": "1"}
    recorded = command(workdir, listener, "trace", "-q", "-o", "recorded", "app.py", str(listener.port), way, env=env,
                       user=user)
    assert recorded.returncode == 1, recorded.stderr  # the bad run
    assert listener.take() == [way.encode()], recorded.stdout
    (workdir / "answers.json").write_text('{"llm:judge#1": "fixed"}')
    found = command(workdir, listener, "bisect", "recorded", "--answers", "answers.json", "--format", "json",
                    env=env, user=user)
    assert "Traceback" not in found.stderr.split("rerun of", 1)[0], found.stderr  # none of ours
    assert listener.take() == [], found.stderr
    return orjson.loads(found.stdout)


@pytest.mark.parametrize("way", ["parent", "inherited", "child"])
def test_bisects_reruns_run_in_the_process_namespace_as_root(listener, workdir, way):
    report = bisect(workdir, listener, way, [])
    assert report["status"] == "found"
    networks = [rerun["network"] for rerun in report["reruns"]]
    assert networks and all(network["closed_by"] == "namespace" and network["how"] == IN_A_USER_NAMESPACE
                            for network in networks)


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv to run as another user")
def test_bisects_reruns_are_closed_for_a_normal_user(listener, workdir):
    """As `nobody`: a user namespace of the user's own ids, where the child's connect goes nowhere."""
    workdir.chmod(0o777)
    report = bisect(workdir, listener, "child", ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"])
    network = report["reruns"][0]["network"]
    assert network["closed_by"] == "namespace"
    assert network["how"].startswith("a user namespace (your uid and gid mapped to themselves)")
