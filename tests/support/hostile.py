"""The hostile-layout kit: what a stranger can put at a name the tool chose, and a victim folder to prove that
nothing outside the tool's own files changed.

Every room that opens or writes a file by a name it chose runs each layout of `LAYOUTS` at that name:

    @pytest.mark.parametrize("layout", LAYOUTS)
    def test_the_cache_entry_is_never_followed(layout, tmp_path):
        victim = Victim.made(tmp_path / "victim")
        plant(layout, tmp_path / "cache" / "results", victim)
        ...run the command (`bounded` guards against a hang)...
        victim.assert_untouched()

The layouts: a link to a file of the victim's, a link to a directory of another user's (the victim's folder,
given to `nobody`), a FIFO (which a careless open waits on for ever), a device (`/dev/zero`, which a careless read
never ends), a file of another user's, and a directory without write permission (which only an unprivileged run
feels: `support.privileges.unprivileged`).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LAYOUTS = ("link_to_file", "link_to_foreign_dir", "fifo", "device", "foreign_file", "readonly_dir")
NOBODY = 65534
VICTIM_FILES = 300


@dataclass
class Victim:
    """A folder of files that are not the tool's, and what they held when made."""

    root: Path
    before: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    @classmethod
    def made(cls, root: Path, files: int = VICTIM_FILES) -> Victim:
        root.mkdir(parents=True, exist_ok=True)
        for number in range(files):
            (root / f"file-{number:03d}").write_bytes(f"victim {number}\n".encode())
        (root / "secret.txt").write_bytes(b"not the tool's\n")
        victim = cls(root)
        victim.before = victim.state()
        return victim

    @property
    def file(self) -> Path:
        return self.root / "secret.txt"

    def state(self) -> dict[str, tuple[str, int, int]]:
        """Each file's digest, mode and owner."""
        found = {}
        for path in sorted(self.root.rglob("*")):
            status = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(status.st_mode) else "-"
            found[str(path.relative_to(self.root))] = (digest, stat.S_IMODE(status.st_mode), status.st_uid)
        return found

    def assert_untouched(self) -> None:
        after = self.state()
        assert after == self.before, _changes(self.before, after)


def _changes(before: dict[str, tuple[str, int, int]], after: dict[str, tuple[str, int, int]]) -> str:
    gone = sorted(set(before) - set(after))
    made = sorted(set(after) - set(before))
    changed = sorted(name for name in set(before) & set(after) if before[name] != after[name])
    return f"victim changed: {len(gone)} gone {gone[:3]}, {len(made)} made {made[:3]}, changed {changed[:3]}"


def plant(layout: str, at: Path, victim: Victim) -> None:
    """Put `layout` at `at` (its parent made as needed). `readonly_dir` makes `at` a directory nobody may write."""
    at.parent.mkdir(parents=True, exist_ok=True)
    if layout == "link_to_file":
        at.symlink_to(victim.file)
    elif layout == "link_to_foreign_dir":
        _give_away(victim.root)
        victim.before = victim.state()
        at.symlink_to(victim.root, target_is_directory=True)
    elif layout == "fifo":
        os.mkfifo(at)
    elif layout == "device":
        _device(at)
    elif layout == "foreign_file":
        at.write_bytes(b"another user's\n")
        _give_away(at)
        victim.before = victim.state()
    elif layout == "readonly_dir":
        at.mkdir(mode=0o555)
        at.chmod(0o555)
    else:
        raise ValueError(layout)


def plant_directory_layout(layout: str, at: Path, victim: Victim) -> None:
    """`plant` for a name where the tool expects a directory: the links point at the victim's folder, the
    foreign and read-only layouts are directories."""
    if layout == "link_to_file":
        at.parent.mkdir(parents=True, exist_ok=True)
        at.symlink_to(victim.root, target_is_directory=True)
    elif layout == "foreign_file":
        at.mkdir(parents=True)
        _give_away(at)
    else:
        plant(layout, at, victim)


def _device(at: Path) -> None:
    """A character device like /dev/zero at `at`: made with mknod where allowed (root), else a link to it."""
    try:
        os.mknod(at, stat.S_IFCHR | 0o666, os.makedev(1, 5))
    except OSError:
        at.symlink_to("/dev/zero")


def _give_away(path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    os.chown(path, NOBODY, NOBODY, follow_symlinks=False)
    for inner in path.rglob("*") if path.is_dir() else ():
        os.chown(inner, NOBODY, NOBODY, follow_symlinks=False)
