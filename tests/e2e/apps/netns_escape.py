"""Ways out of a rerun's network namespace for code running as root (for test_rerun_netns_escape.py).

    python netns_escape.py PORT parent|descriptors|inherited

- `parent`: setns() to the parent process's network namespace (/proc/PPID/ns/net), then a child connects.
- `descriptors`: setns() on every descriptor of this process that is a namespace (an nsfs link), then a child
  connects.
- `inherited`: send on every socket this process holds beyond its standard streams (one its parent passed).

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
else:
    for fd in descriptors():
        if fd > 2 and is_socket(fd):
            step(f"send fd {fd}", lambda fd=fd: socket.socket(fileno=os.dup(fd)).send(b"inherited"))
