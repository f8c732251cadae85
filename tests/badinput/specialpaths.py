"""Paths that are not plain files, made in a case's directory: a directory (empty, or of files with hostile
names), an empty file, a missing one, /dev/null, an unreadable file, a symlink loop, a dangling symlink, a
path through a file, names and paths too long for the system, a socket, a sparse 8 MiB file of NULs;
and, for subprocess cases, /dev/zero, /dev/urandom and a FIFO with a writer.

`make(kind, root, writing)` returns the path to give the command. A place the command writes to gets a
symlink in the case's directory instead of a device itself: a command that replaces its output file
atomically would otherwise replace /dev/null, as root, for the whole machine.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from support.tracefactory import one_llm_call

IN_PROCESS = ("directory", "hostile-names", "empty", "missing", "dev-null", "unreadable", "symlink-loop",
              "dangling", "through-a-file", "name-too-long", "path-too-long", "socket", "sparse")
SUBPROCESS = ("dev-zero", "dev-urandom", "fifo")
WRITE_ONLY = ("dev-full", "read-only-dir")
_KEEP = []  # sockets stay bound while their case runs


def make(kind: str, root: Path, writing: bool = False) -> str:
    """A path of `kind` under `root` (or a device, reached through a symlink when the command writes)."""
    if kind in ("dev-null", "dev-zero", "dev-urandom", "dev-full"):
        device = "/dev/" + kind.removeprefix("dev-")
        if not writing:
            return device
        link = root / f"{kind}-link"
        link.symlink_to(device)
        return str(link)
    return str(_made(kind, root))


def _made(kind: str, root: Path) -> Path:
    if kind == "directory":
        (root / "empty-dir").mkdir()
        return root / "empty-dir"
    if kind == "hostile-names":
        folder = root / "odd"
        folder.mkdir()
        for name in ("\x1b[2J\x1b]0;N3PWN\x07.0000.jsonl", "[blink]N3MK[red]x.0000.jsonl", "a\nb.0000.jsonl",
                     "\u202eN3BIDI.0000.jsonl", "-rf.0000.jsonl", " .0000.jsonl"):
            one_llm_call(folder / name)
        (folder / os.fsdecode(b"\xff\xfe.0000.jsonl")).write_bytes(b"\xff\n")
        return folder
    if kind == "empty":
        (root / "empty.jsonl").touch()
        return root / "empty.jsonl"
    if kind == "missing":
        return root / "missing.jsonl"
    if kind == "unreadable":
        path = one_llm_call(root / "unreadable.jsonl")
        path.chmod(0)
        return path
    if kind == "symlink-loop":
        (root / "loop-a").symlink_to(root / "loop-b")
        (root / "loop-b").symlink_to(root / "loop-a")
        return root / "loop-a"
    if kind == "dangling":
        (root / "dangling").symlink_to(root / "nowhere" / "x.jsonl")
        return root / "dangling"
    if kind == "through-a-file":
        (root / "plain").write_text("{}")
        return root / "plain" / "child.jsonl"
    if kind == "name-too-long":
        return root / ("x" * 300 + ".jsonl")
    if kind == "path-too-long":
        return root / ("a/" * 3000 + "f.jsonl")
    if kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(root / "s.sock"))
        _KEEP.append(server)
        return root / "s.sock"
    if kind == "sparse":
        with open(root / "sparse.jsonl", "wb") as handle:
            handle.truncate(8 << 20)
        return root / "sparse.jsonl"
    if kind == "fifo":
        os.mkfifo(root / "fifo")
        return root / "fifo"
    if kind == "read-only-dir":
        (root / "ro").mkdir()
        (root / "ro").chmod(0o555)
        return root / "ro" / "out"
    raise ValueError(kind)


def close_sockets() -> None:
    while _KEEP:
        _KEEP.pop().close()
