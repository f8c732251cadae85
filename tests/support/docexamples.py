"""The shell examples of the manual's pages, read and run as a reader would run them.

A page's ```bash, ```sh and ```console fences hold its examples (in a console block, the lines after `$ `). A
fence preceded, on the line just before it, by `<!-- example: not run: REASON -->` is read but not run. Each
command (a line, with its `\\` continuations and here-documents) runs with bash, one after the other, the way one
shell would: a variable set by one command holds for the next, and a `cd` for the rest of its block (each block
starts in the page's working directory). A command exits 0 unless its line (or its last line) ends with
`# exits N`, and prints no Python traceback on standard error (standard output may show one: `inspect --event`
prints a recorded error's stack). Of the output a page shows (in a console block, or in a plain block right
after the shell block), the verdict lines are checked: `reproduced: ...`, `not reproduced: ...`,
`check passed: ...`, `check FAILED: ...`, verify's `fixed: ...` (`improved`, `regressed`, `unchanged`,
`inconclusive`) and bisect's `found CALL: ...`, `not monotone: ...` appear in what the block's commands printed.

A page's other blocks are read, not run, except one marked `<!-- example: file PATH -->` (the page says to save
it as PATH: it is written there) or `<!-- example: patch PATH -->` (a diff: PATH becomes the file first saved
there with this diff applied); a shell block marked `<!-- example: file PATH as first written -->` puts that
first version back before it runs.

A shell block marked `<!-- example: run with OPTIONS -->` (a benchmark's) runs each of its commands with OPTIONS
added at the end of its line, before its ` #` comment: options the page names as accepted (a smaller size, fewer
repeats; tests/meta holds them to the page), for a run that checks the command works, not its figures."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHELL_LANGUAGES = {"bash", "sh", "console"}
NOT_RUN = re.compile(r"^\s*<!--\s*example:\s*not run\s*:?(.*?)-->\s*$")
RESTORED = re.compile(r"^\s*<!--\s*example:\s*file\s+(\S+)\s+as first written\s*-->\s*$")
SAVED = re.compile(r"^\s*<!--\s*example:\s*(file|patch)\s+(\S+)\s*-->\s*$")
RUN_WITH = re.compile(r"^\s*<!--\s*example:\s*run with\s+(-.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
EXITS = re.compile(r"#\s*exits\s+(\d+)\s*$")
HEREDOC = re.compile(r"<<-?\s*'?\"?(\w+)'?\"?")
VERDICT = re.compile(r"^(not reproduced:|reproduced:|check passed|check FAILED"
                     r"|(fixed|improved|regressed|unchanged|inconclusive): |found \S+: |not monotone: )")
OUTPUT_LANGUAGES = {"", "text"}
TRACEBACK = "Traceback (most recent call last)"
# A guard against a command that hangs, not a time budget: a `--quick` benchmark of docs/performance.md took
# past 60 s on a loaded two-core machine, and failed there though it worked.
COMMAND_TIMEOUT = 900


@dataclass
class Command:
    text: str
    line: int
    exits: int = 0


@dataclass
class Block:
    page: str
    line: int
    language: str
    lines: list[str]
    not_run: str | None = None
    commands: list[Command] = field(default_factory=list)
    saves: tuple[str, str] | None = None
    restores: str | None = None
    run_with: str | None = None
    verdicts: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    command: Command
    returncode: int | None
    output: str
    errors: str

    def problem(self) -> str | None:
        """What went wrong, or None when the command did what the page says."""
        if self.returncode is None:
            return f"did not end within {COMMAND_TIMEOUT} s"
        if self.returncode != self.command.exits:
            return f"exited {self.returncode}, the page expects {self.command.exits}"
        if TRACEBACK in self.errors:
            return "printed a traceback on standard error"
        return None


def blocks(page: str, text: str) -> list[Block]:
    """Every fenced block of a page in a shell language, with its commands."""
    found: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if not fence:
            index += 1
            continue
        indent, language = fence.groups()
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        body = [line[len(indent):] if line.startswith(indent) else line for line in lines[index + 1:end]]
        before = lines[index - 1] if index else ""
        saved = SAVED.match(before)
        if language in SHELL_LANGUAGES:
            marker = NOT_RUN.match(before)
            block = Block(page, index + 1, language, body, marker.group(1).strip() if marker else None)
            run_with = RUN_WITH.match(before)
            block.run_with = run_with.group(1) if run_with else None
            block.commands = [_with_options(command, block.run_with) for command in _commands(block)]
            restored = RESTORED.match(before)
            block.restores = restored.group(1) if restored else None
            block.verdicts = [line for line in body + _shown_output(lines, end + 1) if VERDICT.match(line)]
            found.append(block)
        elif saved:
            found.append(Block(page, index + 1, language, body, saves=(saved.group(1), saved.group(2))))
        index = end + 1
    return found


def _shown_output(lines: list[str], start: int) -> list[str]:
    """The lines of the plain block that follows a shell block (blank lines between), which show its output."""
    while start < len(lines) and not lines[start].strip():
        start += 1
    fence = FENCE.match(lines[start]) if start < len(lines) else None
    if not fence or fence.group(2) not in OUTPUT_LANGUAGES:
        return []
    end = start + 1
    while end < len(lines) and lines[end].strip() != "```":
        end += 1
    return lines[start + 1:end]


def _commands(block: Block) -> list[Command]:
    if block.language == "console":
        return _console_commands(block)
    return _script_commands(block.lines, block.line + 1)


def _console_commands(block: Block) -> list[Command]:
    commands: list[Command] = []
    lines = block.lines
    for number, line in enumerate(lines):
        if line.startswith("$ "):
            text = line[2:]
            following = number
            while text.endswith("\\") and following + 1 < len(lines):
                following += 1
                text += "\n" + lines[following]
            commands.append(_command(text, block.line + 1 + number))
    return commands


def _script_commands(lines: list[str], first_line: int) -> list[Command]:
    commands: list[Command] = []
    number = 0
    while number < len(lines):
        line = lines[number]
        start = number
        if not line.strip() or line.lstrip().startswith("#"):
            number += 1
            continue
        text = line
        while text.endswith("\\") and number + 1 < len(lines):
            number += 1
            text += "\n" + lines[number]
        heredoc = HEREDOC.search(text)
        if heredoc:
            while number + 1 < len(lines) and lines[number].strip() != heredoc.group(1):
                number += 1
                text += "\n" + lines[number]
        commands.append(_command(text, first_line + start))
        number += 1
    return commands


def _with_options(command: Command, options: str | None) -> Command:
    """The command with a `run with` marker's options added at the end of its first line, before its comment."""
    if options is None:
        return command
    first, newline, rest = command.text.partition("\n")
    words, hash_, comment = first.partition(" #")
    text = f"{words.rstrip()} {options}" + (f"  #{comment}" if hash_ else "") + newline + rest
    return Command(text, command.line, command.exits)


def _command(text: str, line: int) -> Command:
    lines = text.splitlines()
    exits = EXITS.search(lines[0]) or EXITS.search(lines[-1])
    return Command(text, line, int(exits.group(1)) if exits else 0)


def environment() -> dict[str, str]:
    """The environment the examples run in: the project's venv first on PATH, no colours."""
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["NO_COLOR"] = "1"
    env.pop("VIRTUAL_ENV", None)
    for name in [name for name in env if name.startswith("NAMEL3SS_DEBUG_")]:
        del env[name]
    return env


def restore(block: Block, cwd: Path, originals: dict[Path, str]) -> None:
    """Put back the first version of the file a shell block wants as first written."""
    if block.restores is not None:
        path = cwd / block.restores
        path.write_text(originals[path], encoding="utf-8")


def save(block: Block, cwd: Path, originals: dict[Path, str]) -> None:
    """Write the file a `file` or `patch` block stands for; `originals` keeps each path's first version."""
    assert block.saves is not None
    action, name = block.saves
    path = cwd / name
    text = "\n".join(block.lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if action == "file":
        originals.setdefault(path, text)
        path.write_text(text, encoding="utf-8")
        return
    original = path.with_name(path.name + ".orig")
    original.write_text(originals[path], encoding="utf-8")
    subprocess.run(["patch", "--quiet", "-o", str(path), str(original)], input=text.encode(), check=True)
    original.unlink()


class Shell:
    """Runs commands one after the other in bash, carrying the working directory and the variables across."""

    def __init__(self, workdir: Path, state: Path) -> None:
        self.cwd = workdir
        self.state = state
        self.env = environment()
        state.mkdir(parents=True, exist_ok=True)
        (state / "variables").write_text("", encoding="utf-8")

    def run(self, command: Command) -> Outcome:
        variables = self.state / "variables"
        where = self.state / "cwd"
        script = (f"set -o pipefail\nset -a\n. {_quoted(variables)}\ncd {_quoted(self.cwd)}\n{command.text}\n"
                  f"__status=$?\npwd > {_quoted(where)}\nexport -p > {_quoted(variables)}\nexit $__status\n")
        process = subprocess.Popen(["bash", "-c", script], cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            output, errors = process.communicate(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, errors = process.communicate()
            return Outcome(command, None, _text(output), _text(errors))
        if where.exists():
            self.cwd = Path(where.read_text(encoding="utf-8").strip())
        return Outcome(command, process.returncode, _text(output), _text(errors))


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"
