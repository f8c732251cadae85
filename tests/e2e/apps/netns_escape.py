"""Ways out of a rerun's network namespace for code running as root (for test_rerun_netns_escape.py).

    python netns_escape.py PORT parent|descriptors|inherited|child

- `parent`: setns() to the parent process's network namespace (/proc/PPID/ns/net), then a child connects.
- `descriptors`: setns() on every descriptor of this process that is a namespace (an nsfs link), then a child
  connects.
- `inherited`: send on every socket this process holds beyond its standard streams (one its parent passed).
- `child`: a forked child connects (what any user's app can try).

With ESCAPE_BISECT=1 the app then asks a traced LLM call (`llm:judge#1`, which says "broken") and exits 1 unless
it says "fixed": a failed run for `bisect`, whose reruns try the same way out.

What reaches the listener on 127.0.0.1:PORT names the way (`parent`, `descriptors`, `inherited`). Each step's
outcome is printed, and a failed step does not stop the next.
"""

from __future__ import annotations

import ctypes
import os
import socket
import stat
import subprocess
import sys

PORT, WAY = int(sys.argv[1]), sys.argv[2]
CLONE_NEWNET = 0x40000000
CHILD = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5).sendall(sys.argv[2].encode())"
LIBC = ctypes.CDLL(None, use_errno=True)


def setns(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        if LIBC.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    finally:
        os.close(fd)


def descriptors() -> list[int]:
    return sorted(int(name) for name in os.listdir("/proc/self/fd"))


def link(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


def is_socket(fd: int) -> bool:
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:  # the descriptor listdir read the directory with, closed since
        return False


def child() -> None:
    subprocess.run([sys.executable, "-I", "-c", CHILD, str(PORT), WAY], check=True, timeout=30)


def forked_child() -> None:
    """A child process (forked: the interpreter may be one another user cannot run again) connects."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            socket.create_connection(("127.0.0.1", PORT), 5).sendall(WAY.encode())
            code = 0
        finally:
            os._exit(code)
    if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
        raise ConnectionError("the child could not connect")


def step(name: str, act) -> None:
    try:
        act()
        print(f"{name}: done", flush=True)
    except BaseException as error:  # a rerun's refusal is a BaseException; go on
        print(f"{name}: {type(error).__name__}: {error}", flush=True)


if WAY == "parent":
    step("setns parent", lambda: setns(f"/proc/{os.getppid()}/ns/net"))
    step("child", child)
elif WAY == "descriptors":
    for fd in descriptors():
        if link(fd).startswith("net:["):
            step(f"setns fd {fd}", lambda fd=fd: setns(f"/proc/self/fd/{fd}"))
    step("child", child)
elif WAY == "child":
    step("child", forked_child)
else:
    for fd in descriptors():
        if fd > 2 and is_socket(fd):
            step(f"send fd {fd}", lambda fd=fd: socket.socket(fileno=os.dup(fd)).send(b"inherited"))

if os.environ.get("ESCAPE_BISECT") == "1":  # bisect's bad run: it fails unless its traced question says "fixed"
    from namel3ss_debug import trace_llm_call

    @trace_llm_call(name="judge")
    def judge() -> str:
        return "broken"

    sys.exit(0 if judge() == "fixed" else 1)
