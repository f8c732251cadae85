"""Every reading command on inputs that are not plain trace files or hold values no writer should make: a
named pipe (read as a stream, once; a pipe nobody writes to waits, and Ctrl-C stops it without a traceback),
devices, `/proc/self/mem`, what the user may not read, a symbolic link loop, a socket, 200 copies of one OTLP
export, OTLP nested thousands deep or with numbers of thousands of digits, bad UTF-8 and lone surrogates.
Each ends with its documented exit code and a message with the file (and line), never a traceback or a hang.

The commands run as subprocesses with a timeout where a hang is the failure to catch."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner
from support.privileges import unprivileged
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")  # each test in its own directory, no config

# Each reading command on a TRACE; the file it writes goes to the test's directory.
COMMANDS = {
    "analyze": ["analyze", "{trace}", "--format", "json"],
    "replay": ["replay", "{trace}"],
    "inspect": ["inspect", "{trace}"],
    "inspect --event": ["inspect", "{trace}", "--event", "3"],
    "check": ["check", "{trace}", "--max-errors", "0"],
    "diff": ["diff", "{plain}", "{trace}"],
    "report": ["report", "{trace}", "-o", "page.html"],
    "export": ["export", "{trace}", "--to", "otlp-json", "run.otlp.jsonl"],
}


def a_run() -> TraceBuilder:
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher")
    trace.span("llm", "planner", 20.0, agent, model="gpt-4o-mini")
    trace.span("tool", "search", 5.0, agent, inputs={"q": "solar"})
    trace.end(agent, 30.0)
    trace.run_end()
    return trace


def words(name: str, trace: str, plain: Path) -> list[str]:
    return [word.format(trace=trace, plain=plain) for word in COMMANDS[name]]


def run(args: list[str], *, prefix: tuple[str, ...] = (), stdin: Any = subprocess.DEVNULL,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, with its result cache in the test's directory."""
    return subprocess.run([*prefix, sys.executable, "-m", "namel3ss_debug", *args], capture_output=True, text=True,
                          stdin=stdin, timeout=timeout, env={**os.environ, "XDG_CACHE_HOME": str(Path.cwd() / "cache")})


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def no_traceback(done: Any) -> None:
    assert "Traceback" not in done.stderr, done.stderr


# -- named pipes ----------------------------------------------------------------------------------------------

class Writer:
    """A thread that writes `data` into the pipe at `path` once, and closes its end."""

    def __init__(self, path: Path, data: bytes):
        self.path, self.data = path, data
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def _write(self) -> None:
        with open(self.path, "wb") as out:
            out.write(self.data)

    def join(self) -> None:
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the command never opened the pipe"


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    """The run as a plain file, named relative to the test's directory (the working one): tables show it whole."""
    a_run().write(tmp_path / "file.jsonl")
    return Path("file.jsonl")


def cached_results() -> list[Path]:
    results = Path.cwd() / "cache" / "namel3ss-debug" / "results"
    return sorted(results.iterdir()) if results.is_dir() else []


def same(text: str, *paths: Path) -> str:
    """Output with the trace's name put as TRACE: a pipe and a file of names of one length read alike."""
    for path in paths:
        text = text.replace(str(path), "TRACE")
    return text


@pytest.mark.parametrize("name", COMMANDS)
def test_a_named_pipe_works_as_trace_read_once_with_no_cache_key(tmp_path: Path, plain: Path, name: str) -> None:
    pipe = Path("fifo.jsonl")
    os.mkfifo(pipe)
    writer = Writer(pipe, plain.read_bytes())  # written once: a second open of the pipe would wait for ever
    done = run(words(name, str(pipe), plain), timeout=60)
    writer.join()
    assert done.returncode == 0, done.stderr
    if name != "diff":  # diff's other side is a plain file, which may be kept
        assert cached_results() == []
    from_file = run(words(name, str(plain), plain))
    assert same(done.stderr, pipe, plain) == same(from_file.stderr, plain)
    if name == "inspect --event":  # how far into the run is told from the run's first line, read once only
        assert same(done.stdout, pipe) == same(from_file.stdout, plain).replace("  (+0.020s into the run)", "")
    else:
        assert same(done.stdout, pipe, plain) == same(from_file.stdout, plain)


def test_a_pipe_is_never_a_key_of_the_result_cache(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.jsonl"
    os.mkfifo(pipe)
    for _ in range(2):  # the second read is not answered from a cache keyed by the first read's head
        writer = Writer(pipe, a_run().lines())
        done = run(["analyze", str(pipe)], timeout=60)
        writer.join()
        assert done.returncode == 0, done.stderr
    assert cached_results() == []


def test_a_pipe_whose_writer_closes_without_a_byte_ends_with_no_events(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.jsonl"
    os.mkfifo(pipe)
    writer = Writer(pipe, b"")
    done = run(["analyze", str(pipe)], timeout=60)
    writer.join()
    assert (done.returncode, done.stderr.splitlines()[-1]) == (
        3, f"namel3ss-debug: error: no events in {pipe} (the trace is empty: was the run traced?)")


def test_a_pipe_nobody_writes_to_waits_as_cat_does_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.jsonl"
    os.mkfifo(pipe)
    command = subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "analyze", str(pipe)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        assert command.poll() is None  # waiting for a writer, as `cat pipe` would
        command.send_signal(signal.SIGINT)
        _, stderr = command.communicate(timeout=30)
    finally:
        command.kill()
    assert (command.returncode, stderr) == (1, "\nAborted!\n")


# -- devices and files that cannot be read -------------------------------------------------------------------

@pytest.mark.parametrize(("device", "message"), [
    ("/dev/urandom", "/dev/urandom: not a trace: no event in its first 16 MiB"),
    ("/dev/zero", "/dev/zero: not a trace: no event in its first 16 MiB"),
    ("/dev/null", "no events in /dev/null"),
    ("/proc/self/mem", "cannot read /proc/self/mem: Input/output error"),
])
def test_a_device_or_kernel_file_is_exit_3_naming_it(device: str, message: str) -> None:
    done = run(["analyze", device], timeout=120)
    no_traceback(done)
    assert done.returncode == 3
    assert done.stderr.splitlines()[-1].startswith(f"namel3ss-debug: error: {message}")


def test_random_bytes_on_standard_input_are_read_no_further_than_16_mib() -> None:
    with open("/dev/urandom", "rb") as noise:
        done = run(["analyze", "-"], stdin=noise, timeout=120)
    no_traceback(done)
    assert done.returncode == 3
    assert done.stderr.splitlines()[-1].startswith(
        "namel3ss-debug: error: -: not a trace: no event in its first 16 MiB")


@pytest.fixture
def as_user() -> tuple[str, ...]:
    prefix = unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv: modes do not stop root's reads")
    return tuple(prefix)


@pytest.mark.parametrize("name", COMMANDS)
def test_a_file_without_read_permission_is_exit_3_with_what_to_check(tmp_path: Path, plain: Path,
                                                                      as_user: tuple[str, ...], name: str) -> None:
    locked = a_run().write(tmp_path / "locked.jsonl")
    locked.chmod(0)
    done = run(words(name, str(locked), plain), prefix=as_user)
    no_traceback(done)
    assert (done.returncode, done.stderr.splitlines()[-1]) == (
        3, f"namel3ss-debug: error: cannot read {locked}: Permission denied (check its permissions (ls -ld))")


@pytest.mark.parametrize(("mode", "named", "blocked"), [
    (0o000, "directory", "directory"), (0o100, "segment", "directory"), (0o600, "segment", "segment")],
    ids=["directory-named", "segment-of-unlistable-directory", "segment-in-unsearchable-directory"])
def test_a_directory_without_permission_is_exit_3_naming_it(tmp_path: Path, as_user: tuple[str, ...], mode: int,
                                                            named: str, blocked: str) -> None:
    directory = tmp_path / "traces"
    directory.mkdir()
    segment = a_run().write(directory / f"{TraceBuilder().run_id}.0000.jsonl")
    directory.chmod(mode)
    try:
        done = run(["analyze", str(directory if named == "directory" else segment)], prefix=as_user)
    finally:
        directory.chmod(0o755)
    no_traceback(done)
    # listing a directory (for a segment: its run's other segments) needs r; looking at a file in it, x
    path = directory if blocked == "directory" else segment
    assert (done.returncode, done.stderr.splitlines()[-1]) == (
        3, f"namel3ss-debug: error: cannot read {path}: Permission denied (check its permissions (ls -ld))")


def test_a_symbolic_link_loop_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").symlink_to(tmp_path / "b.jsonl")
    (tmp_path / "b.jsonl").symlink_to(tmp_path / "a.jsonl")
    done = invoke("analyze", str(tmp_path / "a.jsonl"))
    assert (done.exit_code, done.stderr.splitlines()[-1]) == (
        2, f"namel3ss-debug: error: {tmp_path / 'a.jsonl'} is a symbolic link that leads back to itself (a loop) "
           "(point the link at a trace file)")


def test_a_socket_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        done = invoke("inspect", str(path))
    assert (done.exit_code, done.stderr.splitlines()[-1]) == (
        2, f"namel3ss-debug: error: not a regular file but a socket: {path} "
           "(give a trace file, a directory or a run id)")


# -- values no writer should make ----------------------------------------------------------------------------

def lines_with(trace: TraceBuilder, index: int, old: bytes, new: bytes) -> bytes:
    lines = trace.lines().split(b"\n")
    assert old in lines[index]
    lines[index] = lines[index].replace(old, new, 1)
    return b"\n".join(lines)


def each_command(trace: Path, plain: Path) -> Iterator[tuple[str, Any]]:
    for name in COMMANDS:
        yield name, invoke(*words(name, str(trace), plain))


def test_bad_utf8_in_run_start_attrs_is_read_leniently_or_skipped_with_file_line(tmp_path: Path, plain: Path) -> None:
    trace = tmp_path / "bad.jsonl"
    trace.write_bytes(lines_with(a_run(), 0, b'"attrs":{', b'"attrs":{"who":"\xff\xfe",'))
    for name, done in each_command(trace, plain):
        assert done.exit_code == 0, (name, done.output)
        if name in ("inspect", "inspect --event", "report", "export"):  # they read each line's JSON whole
            assert f"{trace}:1: not JSON (not UTF-8: byte 0xff at column" in done.stderr, name
    assert json.loads(invoke("analyze", str(trace), "--format", "json").stdout)["overview"]["runs"][0]["entry"] \
        == "script app.py"


def test_a_lone_surrogate_makes_its_line_invalid_in_every_command(tmp_path: Path, plain: Path) -> None:
    trace = tmp_path / "bad.jsonl"
    trace.write_bytes(lines_with(a_run(), 4, b'"q":"solar"', b'"q":"\\ud800"'))
    for name, done in each_command(trace, plain):
        assert done.exit_code == 0, (name, done.output)
        assert f"{trace}:5: not JSON (" in done.stderr, name
    done = invoke("analyze", str(trace), "--strict")
    assert done.exit_code == 3 and f"{trace}:5: not JSON (" in done.stderr


def otlp_span(span_id: str, name: str, **fields: Any) -> dict[str, Any]:
    found = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": span_id, "name": name,
             "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000001000000000"}
    found.update(fields)
    return found


def otlp_line(*spans: dict[str, Any]) -> str:
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": list(spans)}]}]})


@pytest.mark.parametrize(("bad", "line", "why"), [
    (otlp_line(otlp_span("00000000000000a1", "bad", startTimeUnixNano="9" * 30)), 1,
     "startTimeUnixNano is not a time in nanoseconds since 1970"),
    (otlp_line(otlp_span("00000000000000a1", "bad", startTimeUnixNano=-1)), 1,
     "startTimeUnixNano is not a time in nanoseconds since 1970"),
    (otlp_line(otlp_span("00000000000000a1", "bad", attributes=[{"key": "n", "value": {"intValue": "9" * 4301}}])),
     1, "attribute 'n': intValue is past a 64-bit integer's range"),
    (otlp_line(otlp_span("00000000000000a1", "bad", attributes="X")).replace('"X"', "[" * 5000 + "]" * 5000), 1,
     "not JSON (depth limit exceeded)"),
])
def test_bad_otlp_values_are_warnings_with_file_line_and_strict_makes_them_exit_3(
        tmp_path: Path, plain: Path, bad: str, line: int, why: str) -> None:
    trace = tmp_path / "bad.otlp.jsonl"
    trace.write_text(bad + "\n" + otlp_line(otlp_span("00000000000000b1", "fine")) + "\n")
    for name, done in each_command(trace, plain):
        assert done.exit_code in (0, 2) if name == "inspect --event" else done.exit_code == 0, (name, done.output)
        assert f"{trace}:{line}: " in done.stderr and why in done.stderr, (name, done.stderr)
    done = invoke("check", str(trace), "--max-errors", "0", "--strict")
    assert done.exit_code == 3 and why in done.stderr.splitlines()[-1]


def test_200_copies_of_one_otlp_export_are_read_by_every_command(tmp_path: Path, plain: Path) -> None:
    assert invoke("export", str(plain), "--to", "otlp-json", "one.otlp.jsonl").exit_code == 0
    copies = tmp_path / "copies.otlp.jsonl"
    copies.write_bytes((tmp_path / "one.otlp.jsonl").read_bytes() * 200)
    for name in COMMANDS:  # the timeout is against a hang only; the linear walk is counted in test_otlp_bad_values
        done = run(words(name, str(copies), plain), timeout=120)
        no_traceback(done)
        assert done.returncode == 0, (name, done.stderr)
    report = json.loads(run(["analyze", str(copies), "--format", "json"]).stdout)
    assert report["integrity"]["duplicate_ids"] > 0
