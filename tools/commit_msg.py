"""The commit-message rule: a subject of at most 72 characters, and a body for a change of more than 20 lines.

git's own convention (CPython's and structlog's histories read so): the subject says what changed and fits a
`git log --oneline` line; the body, after a blank line, says why (the figures, the trade-off). A change of more
than 20 lines (added plus removed, as `git diff --numstat` counts them, a renamed file counted by its edits only)
is big enough that its reason is no longer plain from the diff.

Two callers, one rule:
- `.pre-commit-config.yaml` runs this file as a `commit-msg` hook: `python tools/commit_msg.py MESSAGE_FILE`
  judges the message against the staged change, exits 1 with what is wrong;
- `tests/meta/test_commit_messages.py` judges every commit after `CHECKED_AFTER` by the same `problems()`,
  reading each commit's own change, so a commit made without the hook (`--no-verify`, an amend, a rebase)
  is caught before it lands.

Standard library only: it runs before any environment is installed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

MAX_SUBJECT = 72
BODY_OVER_LINES = 20
# The last commit before the rule: the 1,807 commits up to it are history, written before the rule existed.
CHECKED_AFTER = "90e4423aab157ab0cb9561810b66fde840ac9aed"
# Commits after it that landed on main breaking the rule, with what they break: main is never rewritten, so
# they stay, named here one by one rather than hidden by a later base.
LANDED_BREAKING = {
    "360d6fa61df750dc0b22ccf943bd4ee6d07e7dec": "a subject of 75 characters",
    "1c70dbace03258f7820b0962eeb9a28213a56af1": "a subject of 73 characters",
    "a2664fcc7c3849a34aa8af1273e6b11b54e1b540": "a subject of 78 characters",
    "d5bc4e422038f88995526c49f87f37404ded0aca": "44 changed lines and no body",
}
# `git commit --verbose` shows the diff below this line; git drops it, and so do we
SCISSORS = "# ------------------------ >8 ------------------------"
# trailers say who, not why: a body of trailers alone is no body
TRAILER = re.compile(r"^(Signed-off-by|Co-authored-by|Reviewed-by|Acked-by|Change-Id):", re.IGNORECASE)


def cleaned(raw: str) -> list[str]:
    """The message's lines as git will store them: the hook sees them before git drops comments."""
    lines = []
    for line in raw.split(SCISSORS, 1)[0].splitlines():
        if not line.startswith("#"):
            lines.append(line.rstrip())
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def problems(raw: str, changed_lines: int) -> list[str]:
    """What is wrong with a message for a change of `changed_lines` lines; empty when nothing is."""
    lines = cleaned(raw)
    end = lines.index("") if "" in lines else len(lines)
    # git's %s is the whole first paragraph, joined: a subject wrapped onto a second line is still the subject
    subject = " ".join(lines[:end])
    body = [line for line in lines[end:] if line and not TRAILER.match(line)]
    found = []
    if len(subject) > MAX_SUBJECT:
        found.append(f"the subject is {len(subject)} characters, at most {MAX_SUBJECT}: say what changed, "
                     "and move the rest to the body")
    if changed_lines > BODY_OVER_LINES and not body:
        found.append(f"the change is {changed_lines} lines (more than {BODY_OVER_LINES}) and the message has no "
                     "body: after a blank line, say why, with the figures")
    return found


def numstat_lines(numstat: str) -> int:
    """Lines added plus removed in `git diff --numstat` output (a binary file, `-`, counts none)."""
    total = 0
    for row in numstat.splitlines():
        added, removed = row.split("\t")[:2]
        total += sum(int(count) for count in (added, removed) if count.isdigit())
    return total


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def staged_lines(cwd: Path | None = None) -> int:
    return numstat_lines(git("diff", "--cached", "--numstat", "-M", cwd=cwd))


def commit_lines(commit: str, cwd: Path | None = None) -> int:
    return numstat_lines(git("show", "--numstat", "-M", "--format=", commit, cwd=cwd))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python tools/commit_msg.py COMMIT_MESSAGE_FILE", file=sys.stderr)
        return 2
    raw = Path(argv[1]).read_text(encoding="utf-8")
    # a merge's staged change is the other branch's whole work, already described by its own commits
    merging = subprocess.run(["git", "rev-parse", "-q", "--verify", "MERGE_HEAD"], capture_output=True).returncode == 0
    found = problems(raw, 0 if merging else staged_lines())
    for problem in found:
        print(f"commit message: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
