"""One way to touch a file: every call in the package that makes, writes through a name, renames, changes the mode
of, or removes a file goes through `model/fs.py`, or is listed here with why it is not a name the tool chose.

Each module is read with `ast`. A call to one of CALLS (by its last name: `os.unlink`, `Path.unlink`,
`shutil.rmtree`, `tempfile.mkstemp`, ...) is counted; EXEMPT lists, module by module, the reviewed ones. One more
in those modules, or one fewer, fails, so the list cannot go stale, and a new room that makes or removes a file
its own way fails here until it uses `model/fs.py`.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "namel3ss_debug"
SOURCES = sorted(PACKAGE.rglob("*.py"))
CALLS = frozenset({
    "unlink", "remove", "rmdir", "rmtree", "rename", "replace", "mkdir", "makedirs", "chmod", "fchmod", "chown",
    "write_text", "write_bytes", "mkstemp", "mkdtemp", "NamedTemporaryFile", "TemporaryDirectory", "mkfifo",
    "symlink_to", "symlink", "link", "truncate",
})
# names that other objects have too (`str.replace`, `list.remove`, `dataclasses.replace`): counted as `os.NAME` only
ONLY_OF_OS = frozenset({"replace", "remove", "truncate", "link"})
WRITE_FLAGS = frozenset({"O_CREAT", "O_WRONLY", "O_RDWR", "O_APPEND", "O_TRUNC", "WRITE_FLAGS"})
THE_WAY = "model/fs.py"
EXEMPT: dict[str, Counter[str]] = {}  # filled in below, module by module, with why


def _exempt(module: str, why: str, **calls: int) -> None:
    assert why
    EXEMPT[module] = Counter({name.replace("_", " "): count for name, count in calls.items()})


_exempt("cli/pager.py", "os.devnull, opened to silence a pager's stderr: no name of ours", open_to_write=1)
_exempt("launch/closing.py", "os.devnull for the app's closed stdin: no name of ours", open_to_write=1)
_exempt("launch/netns.py", "the kernel's /proc/self/{uid_map,gid_map,setgroups} of the namespace this process made",
        open_to_write=1)
_exempt("model/writing.py", "a trace segment: O_NOFOLLOW|O_NONBLOCK, then checked as a regular file of ours",
        open_to_write=1)
_exempt("model/seals.py", "the key, made whole as a Folder temporary, then linked in the held private folder (never a "
        "rename, which would replace a key another process made first)", link=1)
_exempt("model/outputs.py", "a pipe or device the user named as an output, opened O_NONBLOCK and checked to be one",
        open_to_write=1)
_exempt("ops/config.py", "`config init`'s folder, the workspace the user names, made before the file is put in place",
        mkdir=1)
_exempt("ops/runs/opening.py", "an older version's index made 0600 through a descriptor already checked as ours",
        fchmod=1)
_exempt("ops/trace/checks.py", "`trace_output_dir`, the folder the user configured for traces", mkdir=1)
_exempt("store/rewrite.py", "redact's copy given the old file's mode, through the descriptor of our own temporary",
        fchmod=1)
_exempt("testing/golden_files.py", "a golden file's folder in the user's own tests (`tests/golden/...`)", mkdir=1)
_exempt("testing/golden_status.py", "`--n3-golden-report FILE`, which the user names, appended to",
        open_to_write=1)
_exempt("tracer/writer.py", "`trace_output_dir`, the folder the user configured for traces", mkdir=1)


def calls_in(tree: ast.AST) -> Counter[str]:
    """How many calls of each name in CALLS `tree` makes, by attribute or by bare name (ONLY_OF_OS as `os.NAME`)."""
    found: Counter[str] = Counter()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
        if name in ONLY_OF_OS and not (isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name)
                                       and function.value.id == "os"):
            continue
        if name in CALLS:
            found[name] += 1
        elif name == "open" and _writes(node, function):
            found["open to write"] += 1
    return found


def _writes(node: ast.Call, function: ast.expr) -> bool:
    """Whether an `open` call opens to write: `os.open` with a flag that writes or creates, or a builtin or
    `Path.open` with a mode that does."""
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) and function.value.id == "os":
        flags = node.args[1] if len(node.args) > 1 else None
        words = {getattr(inner, "attr", getattr(inner, "id", "")) for inner in ast.walk(flags)} if flags else set()
        return bool(words & WRITE_FLAGS)
    modes = [arg for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    modes += [word.value for word in node.keywords if word.arg == "mode"]
    return any(isinstance(mode, ast.Constant) and set(str(mode.value)) & set("wax+") for mode in modes)


def file_calls(path: Path) -> Counter[str]:
    return calls_in(ast.parse(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", SOURCES, ids=[str(path.relative_to(PACKAGE)) for path in SOURCES])
def test_files_are_made_and_removed_one_way(path: Path) -> None:
    name = path.relative_to(PACKAGE).as_posix()
    if name == THE_WAY:
        return
    found = file_calls(path)
    assert found == EXEMPT.get(name, Counter()), (
        f"{name} makes, renames or removes files its own way: {dict(found)}; use model/fs.py "
        f"(or, for a file the user named, list the call in EXEMPT with why)")


@pytest.mark.parametrize("name", sorted(EXEMPT))
def test_every_exempt_module_exists(name: str) -> None:
    assert PACKAGE / name in SOURCES
