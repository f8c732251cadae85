"""`replay --rerun` runs the code a trace names only with consent, unless it is plainly the project's app.

Each test records a real app in a project directory, then (for the hostile cases) rewrites what the
trace's `run_start` says to run, as anyone handing over a trace could. The command runs in a
subprocess, as a user runs it; its standard input is no terminal (so nothing can be asked) except in
the tests that give it a pseudo-terminal and answer the question.
"""

from __future__ import annotations

import io
import os
import select
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.rerunhelpers import moved_here

from namel3ss_debug.cli.questions import allow_rerun
from namel3ss_debug.launch.app import Target
from namel3ss_debug.launch.recorded import Recorded, locate
from namel3ss_debug.model.errors import UsageError

APP = "import pathlib, sys\npathlib.Path(sys.argv[1]).write_text('app ran')\nprint('the app ran')\n"
TOUCH = "import pathlib, sys\npathlib.Path({mark!r}).write_text('code ran')\n"


def command(*args: str, cwd: Path, input: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=cwd, env=environ(), input=input,
                          capture_output=True, text=True, timeout=120)


def environ() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    return {**env, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "400", "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass
class Project:
    """A project directory holding app.py, one recorded run of it, and a marker path that code writes when
    it runs (outside the project: any code the trace names can reach it)."""

    root: Path
    trace: Path
    mark: Path
    crafted: int = field(default=0)

    def craft(self, entry: dict[str, Any], argv: list[str], cwd: str | None = None) -> Path:
        """The recorded trace, its run_start saying to run `entry` with `argv` in `cwd` (the project's by default)."""
        events = [orjson.loads(line) for line in self.trace.read_bytes().splitlines()]
        for event in events:
            if event["event_type"] == "run_start":
                event["attrs"].update(entry=entry, argv=argv, cwd=cwd or str(self.root))
        self.crafted += 1
        path = self.root / f"crafted-{self.crafted}.jsonl"
        path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
        return path

    def rerun(self, trace: Path, *options: str, input: str = "") -> subprocess.CompletedProcess[str]:
        return command("replay", str(trace), "--rerun", "-o", str(self.root / "new"), *options, cwd=self.root,
                       input=input)


def recorded_in(directory: Path) -> Project:
    """A project recorded in DIR/project: app.py and its run in traces/; the app's mark at DIR/ran.txt
    (removed)."""
    root = directory / "project"
    root.mkdir()
    (root / "app.py").write_text(APP)
    mark = directory / "ran.txt"
    done = command("trace", "-q", "-o", "traces", "app.py", str(mark), cwd=root)
    assert done.returncode == 0, done.stderr
    mark.unlink()
    return Project(root, next((root / "traces").glob("*.jsonl")), mark)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project recorded once for the module, for its tests to copy."""
    directory = tmp_path_factory.mktemp("recorded")
    recorded_in(directory)
    return directory


@pytest.fixture
def project(recorded: Path, tmp_path: Path) -> Project:
    """A copy of the recorded project in the test's directory, its run saying the copy's paths and sealed as
    written here, as the test's own recording would be."""
    root = Path(shutil.copytree(recorded / "project", tmp_path / "project"))
    return Project(root, moved_here(next((root / "traces").glob("*.jsonl")), recorded, tmp_path), tmp_path / "ran.txt")


def outside_script(project: Project) -> Path:
    """A script elsewhere on disk that leaves the mark when it runs."""
    elsewhere = project.root.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    script = elsewhere / "tool.py"
    script.write_text(TOUCH.format(mark=str(project.mark)))
    return script


def script_entry(path: str) -> dict[str, Any]:
    return {"kind": "script", "path": path, "name": Path(path).name}


def module_entry(name: str) -> dict[str, Any]:
    return {"kind": "module", "module": name, "name": name}


def timeit_trace(project: Project) -> Path:
    code = f"import pathlib; pathlib.Path({str(project.mark)!r}).write_text('code ran')"
    return project.craft(module_entry("timeit"), ["timeit", "-n", "1", "-s", code, "pass"])


def pdb_trace(project: Project) -> Path:
    code = f"import pathlib; pathlib.Path({str(project.mark)!r}).write_text('code ran')"
    return project.craft(module_entry("pdb"), ["pdb", "-c", code, "-c", "quit", "app.py", str(project.mark)])


def outside_trace(project: Project) -> Path:
    script = str(outside_script(project))
    return project.craft(script_entry(script), [script])


def dotdot_trace(project: Project) -> Path:
    outside_script(project)
    return project.craft(script_entry("../elsewhere/tool.py"), ["../elsewhere/tool.py"])


def link_trace(project: Project) -> Path:
    (project.root / "linked.py").symlink_to(outside_script(project))
    return project.craft(script_entry(str(project.root / "linked.py")), ["linked.py"])


def root_cwd_trace(project: Project) -> Path:
    return project.craft(script_entry(str(project.root / "app.py")), ["app.py", str(project.mark)], cwd="/")


def ai_app_trace(project: Project) -> Path:
    elsewhere = project.root.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    (elsewhere / "app.ai").write_text('spec is "1.0"\n\nflow "hello":\n  return "hi"\n')
    path = str(elsewhere / "app.ai")
    return project.craft({"kind": "namel3ss", "path": path, "name": "app.ai", "flow": "hello", "input": None}, [path])


def flag_trace(project: Project) -> Path:
    return project.craft(module_entry("-c"), ["-c", f"open({str(project.mark)!r}, 'w')"])


# (trace maker, what the refusal names as the reason, what the command shown must hold)
HOSTILE = {
    "timeit -s": (timeit_trace, "module timeit runs ", "-m timeit -n 1 -s 'import pathlib; pathlib.Path("),
    "pdb -c": (pdb_trace, "module pdb runs ", "-m pdb -c 'import pathlib;"),
    "http.server": (lambda p: p.craft(module_entry("http.server"), ["http.server", "--bind", "127.0.0.1", "0"]),
                    "module http.server runs ", "-m http.server --bind 127.0.0.1 0"),
    "pip": (lambda p: p.craft(module_entry("pip"), ["pip", "install", "evil"]), "module pip runs ",
            "-m pip install evil"),
    "script elsewhere": (outside_trace, "the script ", "/elsewhere/tool.py"),
    "escape by ..": (dotdot_trace, "the script ", "/elsewhere/tool.py"),
    "link outside": (link_trace, "the script ", "/elsewhere/tool.py"),
    "cwd /": (root_cwd_trace, "it runs in /, outside ", "cd / && "),
    ".ai app elsewhere": (ai_app_trace, "the namel3ss app ", " && namel3ss "),
    "interpreter flag": (flag_trace, "its entry -c is an interpreter option", " -m -c "),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_code_outside_the_project_is_refused_without_consent_with_one_line_naming_it(project, case):
    make, reason, shown = HOSTILE[case]
    done = project.rerun(make(project))
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("namel3ss-debug: error: ")
    assert "not running the app this trace names, as it is not plainly this project's (" in done.stderr
    assert reason in done.stderr and shown in done.stderr
    assert "add --yes" in done.stderr
    assert done.stdout == "" and not project.mark.exists()
    assert not list((project.root / "new").glob("*.jsonl"))  # no run was started


@pytest.mark.parametrize("case", ["timeit -s", "script elsewhere", "escape by ..", "link outside", "cwd /"])
def test_yes_runs_it_and_says_what_it_allowed(project, case):
    make, reason, shown = HOSTILE[case]
    done = project.rerun(make(project), "--yes")
    assert done.returncode == 0, done.stderr
    assert project.mark.exists()
    warning = next(line for line in done.stderr.splitlines() if line.startswith("namel3ss-debug: warning: "))
    assert "not plainly this project's app, as --yes allows" in warning and reason in warning and shown in warning


def test_yes_lets_an_interpreter_option_through_to_the_launcher_which_finds_no_such_module(project):
    done = project.rerun(flag_trace(project), "-y")
    assert done.returncode == 1
    assert "No module named -c" in done.stderr and not project.mark.exists()


def test_a_run_started_as_python_c_cannot_be_run_again_even_when_allowed(project):
    trace = project.craft({"kind": "python"}, ["-c"])
    done = project.rerun(trace, "--yes")
    assert done.returncode == 2
    assert "the recorded run was started as python -c: its code is in no file to run again" in done.stderr


def test_a_path_with_newlines_and_escapes_is_shown_on_one_line_as_text(project):
    elsewhere = project.root.parent / "elsewhere"
    elsewhere.mkdir()
    script = elsewhere / "x\nRun it? [yN] \x1b[2J\u202e.py"
    script.write_text(TOUCH.format(mark=str(project.mark)))
    done = project.rerun(project.craft(script_entry(str(script)), [str(script), "[bold]b[/bold]\tone"]))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "x\\nRun it? [yN] \\x1b[2J\\u202e.py" in done.stderr
    assert "[bold]b[/bold]\\tone" in done.stderr
    assert "\x1b" not in done.stderr and "\u202e" not in done.stderr and "\t" not in done.stderr


def test_the_json_format_keeps_stdout_empty_when_refused_and_holds_the_report_when_allowed(project):
    trace = outside_trace(project)
    refused = project.rerun(trace, "--format", "json")
    assert refused.returncode == 2 and refused.stdout == ""
    allowed = project.rerun(trace, "--format", "json", "--yes")
    assert allowed.returncode == 0, allowed.stderr
    assert orjson.loads(allowed.stdout)["schema"] == "namel3ss-debug/rerun/v1"


def test_step_with_piped_commands_cannot_answer_the_question(project):
    trace = outside_trace(project)
    refused = project.rerun(trace, "--step", input="c\n")
    assert refused.returncode == 2 and "add --yes" in refused.stderr and not project.mark.exists()
    allowed = project.rerun(trace, "--step", "--yes", input="c\n")
    assert allowed.returncode == 0, allowed.stderr
    assert project.mark.exists()


def test_yes_without_rerun_is_a_usage_error(project):
    done = command("replay", str(project.trace), "--yes", cwd=project.root)
    assert done.returncode == 2
    assert "--yes works only with --rerun" in done.stderr


# --- the project's own app runs without a question, as before ------------------------------------------

def test_the_recorded_app_of_the_project_runs_without_asking(project):
    done = project.rerun(project.trace)
    assert done.returncode == 0, done.stderr
    assert "the app ran" in done.stdout and project.mark.read_text() == "app ran"
    assert "warning" not in done.stderr


def test_a_package_of_the_project_run_with_m_runs_without_asking(project):
    package = project.root / "agentpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(APP)
    traced = command("trace", "-q", "-o", "mtraces", "-m", "agentpkg", str(project.mark), cwd=project.root)
    assert traced.returncode == 0, traced.stderr
    project.mark.unlink()
    done = project.rerun(next((project.root / "mtraces").glob("*.jsonl")))
    assert done.returncode == 0, done.stderr
    assert project.mark.read_text() == "app ran"


def test_an_app_recorded_in_a_folder_of_the_project_runs_there_without_asking(project):
    folder = project.root / "agents"
    folder.mkdir()
    (folder / "app.py").write_text(APP)
    traced = command("trace", "-q", "-o", str(project.root / "sub-traces"), "app.py", str(project.mark), cwd=folder)
    assert traced.returncode == 0, traced.stderr
    project.mark.unlink()
    done = project.rerun(next((project.root / "sub-traces").glob("*.jsonl")))
    assert done.returncode == 0, done.stderr
    assert f"(in {folder})" in done.stderr and project.mark.exists()


def test_cwd_names_the_project_an_app_recorded_elsewhere_runs_in(project, tmp_path):
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "app.py").write_text(APP)
    trace = project.craft(script_entry("/gone/app.py"), ["app.py", str(project.mark)], cwd="/gone")
    done = project.rerun(trace, "--cwd", str(checkout), "--yes")  # --yes: a crafted trace's answers are a stranger's
    assert done.returncode == 0, done.stderr
    assert project.mark.exists() and "not plainly this project's" not in done.stderr


# --- the question on a terminal --------------------------------------------------------------------------

def on_a_terminal(project: Project, trace: Path, answer: bytes) -> tuple[int, str]:
    """Run the rerun with a pseudo-terminal as its stdin and stderr; answer each question as it is asked (a
    crafted trace is a stranger's too: its answers are asked about after its app). The exit code and what the
    terminal showed (the questions, the echoed answers, the messages)."""
    leader, follower = os.openpty()
    process = subprocess.Popen([sys.executable, "-m", "namel3ss_debug", "replay", str(trace), "--rerun", "-o",
                                str(project.root / "new")], cwd=project.root, env=environ(), stdin=follower,
                               stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    shown, answered = b"", 0
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the terminal's other end closed: the command is done
                    break
                if not chunk:
                    break
                shown += chunk
            if shown.count(b"[y/N] ") > answered and shown.endswith(b"[y/N] "):
                os.write(leader, answer)
                answered += 1
            if not ready and process.poll() is not None:
                break
        return process.wait(timeout=60), shown.decode(errors="replace").replace("\r\n", "\n")
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()


def test_on_a_terminal_the_command_is_shown_and_yes_runs_it(project):
    code, screen = on_a_terminal(project, timeit_trace(project), b"y\n")
    assert code == 0, screen
    question = screen[screen.index("namel3ss-debug: this rerun would run"):screen.index("Run it? [y/N]")]
    assert "  why      module timeit runs " in question and f"outside {project.root}" in question
    assert f"  command  cd {project.root} && {sys.executable} -m timeit -n 1 -s 'import pathlib;" in question
    assert project.mark.exists()


def test_on_a_terminal_no_refuses(project):
    code, screen = on_a_terminal(project, outside_trace(project), b"n\n")
    assert code == 2, screen
    assert "Run it? [y/N] n\n" in screen
    assert "namel3ss-debug: error: " in screen and "the app was not run: the answer was not yes" in screen
    assert not project.mark.exists()


def test_on_a_terminal_the_projects_own_app_is_not_asked_about(project):
    code, screen = on_a_terminal(project, project.trace, b"n\n")
    assert code == 0, screen
    assert "Run it?" not in screen and project.mark.exists()


# --- the question, driven directly with terminal-like streams ------------------------------------------

class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def timeit_app(directory: Path) -> Recorded:
    return locate(Recorded(Target(script=None, module="timeit", args=("-s", "import os; os.system('id')")),
                           directory, 0))


@pytest.mark.parametrize("answer", ["y\n", "yes\n", " Y \n", "YES\n"])
def test_yes_at_the_question_lets_it_run_after_showing_why_and_the_command(tmp_path, answer):
    stdin, stderr, warned = Terminal(answer), Terminal(), []
    allow_rerun(timeit_app(tmp_path), tmp_path, False, "t.jsonl", warned.append, stdin=stdin, stderr=stderr)
    lines = stderr.getvalue().splitlines()
    assert lines[0] == "namel3ss-debug: this rerun would run code that is not plainly this project's app:"
    assert lines[1].startswith("  why      module timeit runs ") and lines[1].endswith(f"outside {tmp_path}")
    assert lines[2] == f"  command  cd {tmp_path} && {sys.executable} -m timeit -s 'import os; os.system('\"'\"'id" \
                       f"'\"'\"')'"
    assert lines[3] == "Run it? [y/N] " and warned == []


@pytest.mark.parametrize("answer", ["\n", "n\n", "no\n", "yep\n", ""])
def test_anything_but_yes_at_the_question_refuses(tmp_path, answer):
    stderr = Terminal()
    with pytest.raises(UsageError, match="the app was not run: the answer was not yes") as refused:
        allow_rerun(timeit_app(tmp_path), tmp_path, False, "t.jsonl", print, stdin=Terminal(answer), stderr=stderr)
    assert refused.value.where == "t.jsonl" and refused.value.exit_code == 2
    assert stderr.getvalue().endswith("Run it? [y/N] " + ("" if answer else "\n"))


@pytest.mark.parametrize("tty_in, tty_err", [(True, False), (False, True), (False, False)])
def test_without_a_terminal_on_both_stdin_and_stderr_nothing_is_asked(tmp_path, tty_in, tty_err):
    stdin = Terminal("y\n") if tty_in else io.StringIO("y\n")
    stderr = Terminal() if tty_err else io.StringIO()
    with pytest.raises(UsageError, match="add --yes"):
        allow_rerun(timeit_app(tmp_path), tmp_path, False, "t.jsonl", print, stdin=stdin, stderr=stderr)
    assert stdin.tell() == 0 and stderr.getvalue() == ""


def test_the_projects_app_is_never_asked_about(tmp_path):
    (tmp_path / "app.py").write_text("")
    stdin, stderr = Terminal("n\n"), Terminal()
    allow_rerun(locate(Recorded(Target(script=str(tmp_path / "app.py"), module=None, args=()), tmp_path, 0)), tmp_path,
                False, "t.jsonl", print, stdin=stdin, stderr=stderr)
    assert stdin.tell() == 0 and stderr.getvalue() == ""
