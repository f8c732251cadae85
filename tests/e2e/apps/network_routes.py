"""Every way out of a process, tried in turn against listeners on 127.0.0.1 (for test_rerun_network.py).

    python network_routes.py TCP_PORT UDP_PORT [NAME_TO_LOOK_UP]

Each route sends its own name (`tcp`, `sendto`, ...), so the listener can say which reached it. A route
that fails (a refused connection, an error, or a rerun's miss, which is a BaseException) is printed and the
next one is tried, so that a rerun tries them all.
"""

from __future__ import annotations

import ctypes
import os
import shlex
import shutil
import socket
import struct
import subprocess
import sys

TCP, UDP = int(sys.argv[1]), int(sys.argv[2])
NAME = sys.argv[3] if len(sys.argv) > 3 else None
CHILD = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5).sendall(b'child')"


def tcp() -> None:
    with socket.create_connection(("127.0.0.1", TCP), timeout=5) as sock:
        sock.sendall(b"tcp")


def sendto() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"sendto", ("127.0.0.1", UDP))


def sendmsg() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendmsg([b"sendmsg"], [], 0, ("127.0.0.1", UDP))


def child() -> None:
    """A child Python (isolated: nothing of ours is loaded in it); the first on PATH this user may run."""
    python = shutil.which("python3") or sys.executable
    subprocess.run([python, "-I", "-c", CHILD, str(TCP)], check=True, timeout=30)


def system() -> None:
    """A shell command that connects, with no Python in it: bash's /dev/tcp."""
    status = os.system(shlex.join(["bash", "-c", f"printf system > /dev/tcp/127.0.0.1/{TCP}"]))
    if status:
        raise OSError(f"bash exited with {status}")


def libc() -> None:
    """The C library's own connect and send, through ctypes: no Python socket at all."""
    lib = ctypes.CDLL(None, use_errno=True)
    fd = lib.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    address = struct.pack("=H", socket.AF_INET) + struct.pack("!H", TCP) + socket.inet_aton("127.0.0.1") + bytes(8)
    try:
        if lib.connect(fd, address, len(address)) != 0:
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        lib.send(fd, b"libc", 4, 0)
    finally:
        lib.close(fd)


def dns() -> None:
    socket.getaddrinfo(NAME, 80)


ROUTES = [tcp, sendto, sendmsg, child, system, libc, *([dns] if NAME else [])]

for route in ROUTES:
    try:
        route()
        print(f"{route.__name__}: sent", flush=True)
    except BaseException as error:  # a rerun's refusal is a BaseException; try the next route
        print(f"{route.__name__}: {type(error).__name__}", flush=True)
