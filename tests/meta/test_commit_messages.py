"""The commit-message rule (tools/commit_msg.py): a subject of at most 72 characters, a body for a change of more
than 20 lines. The commit-msg hook of .pre-commit-config.yaml applies it before a commit; here it is applied to
every commit after the rule's base, so that one made without the hook does not land unseen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support.pathmodule import module_at

ROOT = Path(__file__).resolve().parents[2]
rule = module_at("commit_msg", ROOT / "tools" / "commit_msg.py")
SUBJECT = "reading: one plan chosen once for analyze, check, diff"
WHY = "Each command chose its route by itself; now one plan is chosen once: 63 stays down to 29."


def git(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)


def test_pre_commit_runs_the_rule_on_the_message() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert hooks["commit-message"]["entry"].split() == ["python", "tools/commit_msg.py"]
    assert hooks["commit-message"]["stages"] == ["commit-msg"]
    assert "commit-msg" in config["default_install_hook_types"]  # `pre-commit install` installs it


def test_a_subject_of_73_characters_is_refused() -> None:
    assert rule.problems("x" * 72, 0) == []
    assert rule.problems("x" * 73, 0) == [
        "the subject is 73 characters, at most 72: say what changed, and move the rest to the body"]


def test_a_subject_wrapped_onto_a_second_line_is_measured_whole() -> None:
    """git's %s joins the first paragraph; so does the rule."""
    assert len(rule.problems("x" * 40 + "\n" + "y" * 40, 0)) == 1


def test_a_change_of_more_than_20_lines_needs_a_body() -> None:
    assert rule.problems(SUBJECT, 20) == []
    assert rule.problems(SUBJECT, 21) == [
        "the change is 21 lines (more than 20) and the message has no body: after a blank line, say why, with "
        "the figures"]
    assert rule.problems(f"{SUBJECT}\n\n{WHY}\n", 21) == []


def test_comments_trailers_and_the_verbose_diff_are_no_body() -> None:
    raw = (f"# Please enter the commit message\n{SUBJECT}\n\nSigned-off-by: A <a@example.com>\n# On branch x\n"
           f"{rule.SCISSORS}\ndiff --git a/x b/x\n+{'y' * 100}\n")
    assert rule.cleaned(raw) == [SUBJECT, "", "Signed-off-by: A <a@example.com>"]
    assert [problem.split(" (")[0] for problem in rule.problems(raw, 30)] == ["the change is 30 lines"]


def test_the_hook_reads_the_staged_change(tmp_path: Path) -> None:
    """A subprocess because git is the point: the hook counts what is staged, and a rename as its edits."""
    git("init", "-q", cwd=tmp_path)
    (tmp_path / "old.txt").write_text("".join(f"{n}\n" for n in range(40)))
    git("add", "old.txt", cwd=tmp_path)
    message = tmp_path / "MSG"
    message.write_text(SUBJECT + "\n")
    hook = [sys.executable, str(ROOT / "tools" / "commit_msg.py"), str(message)]
    refused = subprocess.run(hook, cwd=tmp_path, capture_output=True, text=True)
    assert (refused.returncode, refused.stderr) == (1, "commit message: the change is 40 lines (more than 20) "
                                                       "and the message has no body: after a blank line, say why, "
                                                       "with the figures\n")
    # the developer's own git settings (signing, a global hooks path) stay out of this commit
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", "commit", "-q",
        "--no-verify", "-m", "first", cwd=tmp_path)
    git("mv", "old.txt", "new.txt", cwd=tmp_path)
    assert subprocess.run(hook, cwd=tmp_path).returncode == 0


def test_every_commit_after_the_rule_follows_it() -> None:
    """The commits after `CHECKED_AFTER` (the rule's base, on main) up to HEAD, merges left out: each judged by
    its own change, as the hook would have judged it."""
    if git("rev-parse", "--git-dir").returncode != 0:
        pytest.skip("not a git checkout (an unpacked source archive)")
    if git("cat-file", "-e", f"{rule.CHECKED_AFTER}^{{commit}}").returncode != 0:
        shallow = git("rev-parse", "--is-shallow-repository").stdout.strip() == "true"
        assert shallow, f"the rule's base {rule.CHECKED_AFTER} is not in this repository's history"
        pytest.skip("a shallow clone without the rule's base: `git fetch --unshallow` to check the history")
    commits = git("rev-list", "--no-merges", f"{rule.CHECKED_AFTER}..HEAD").stdout.split()
    failed, excused = [], []
    for commit in commits:
        found = rule.problems(git("log", "-1", "--format=%B", commit).stdout, rule.commit_lines(commit, ROOT))
        (excused if commit in rule.LANDED_BREAKING else failed).extend(f"{commit[:10]} {p}" for p in found)
    assert failed == []
    # each excused commit still breaks the rule: the list names real exceptions, not stale ones
    assert sorted({entry.split()[0] for entry in excused}) == sorted(commit[:10] for commit in rule.LANDED_BREAKING
                                                                      if commit in commits)
