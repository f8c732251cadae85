"""No copy of a secret outlives `redact`, and the caches never hold one in the first place.

- `redact` removes every result the read commands kept from the files it rewrites (`ResultCache.purge`):
  after analyze, replay, diff and inspect have read a run and `redact` has rewritten it, no byte of any
  secret is anywhere under the cache directory or in an index beside the trace, and every command still
  answers as a first read does.
- A result holding text that redacting its run would hide is not kept: a credential's shape, a
  `password=...` pair, a value the run holds under a sensitive key (remembered, as redaction remembers it),
  in any field a result copies (error messages, names, previews of outputs).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.secretcorpus import samples
from support.tracefactory import TraceBuilder, error

from namel3ss_debug.cli.main import cli
from namel3ss_debug.ops.cache import ResultCache

pytestmark = pytest.mark.usefixtures("isolated_workspace")

KEY = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
PASSWORD = "Tr0ub4dor&3-horse-battery"
TOKEN = "ghp_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0DcBa98"
SECRETS = (KEY, PASSWORD, TOKEN)


def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def run(tmp_path: Path, *args: str):
    return CliRunner(env={"XDG_CACHE_HOME": str(cache_dir(tmp_path))}).invoke(cli, list(args), catch_exceptions=False)


def leaky_run(path: Path, run_id: str = "20261122-100000-abcdef") -> Path:
    """A run recorded with redaction off: a key in a prompt and in an answer, a password handed to a tool
    under its key and then echoed in an error message, a token in a tool's output; events with nothing to hide."""
    trace = TraceBuilder(run_id)
    trace.run_start()
    agent = trace.start("agent", "researcher")
    trace.span("llm", "planner", 900.0, agent, inputs={"prompt": f"call the API with {KEY}"},
               outputs={"text": f"I will use {KEY}"})
    trace.span("tool", "login", 20.0, agent, inputs={"user": "ada", "password": PASSWORD}, outputs={"ok": True})
    trace.span("tool", "fetch", 30.0, agent, inputs={"q": "repos"}, outputs={"auth": f"token {TOKEN}"})
    trace.span("tool", "db", 5.0, agent, status="failed",
               error=error("OperationalError", f"login as ada with {PASSWORD} failed"))
    trace.span("tool", "search", 30.0, agent, inputs={"q": "weather"}, outputs={"text": "sunny"})
    trace.end(agent, 10.0)
    trace.run_end()
    return trace.write(path)


def clean_run(path: Path) -> Path:
    trace = TraceBuilder("20261122-110000-abcdef")
    trace.run_start()
    agent = trace.start("agent", "researcher")
    trace.span("tool", "login", 20.0, agent, inputs={"password": "[REDACTED]"})
    trace.span("tool", "db", 5.0, agent, status="failed", error=error("TimeoutError", "late"))
    trace.end(agent, 10.0)
    trace.run_end()
    return trace.write(path)


def every_byte_under(*roots: Path) -> list[tuple[Path, bytes]]:
    return [(path, path.read_bytes()) for root in roots if root.exists()
            for path in ([root] if root.is_file() else sorted(root.rglob("*"))) if path.is_file()]


def leaks(secrets, *roots: Path) -> list[tuple[str, str]]:
    """Each (secret, file) where a secret's bytes are found, under the roots: grep -r for each secret."""
    return [(secret, str(path)) for path, data in every_byte_under(*roots) for secret in secrets
            if secret.encode() in data]


def entries(tmp_path: Path) -> list[Path]:
    results = cache_dir(tmp_path) / "namel3ss-debug" / "results"
    return sorted(results.iterdir()) if results.is_dir() else []


def read_everything(tmp_path: Path, path: Path, other: Path) -> dict[str, str]:
    """What each reading command says about the run (their caches and the offset index filled)."""
    commands = {"analyze": ("analyze", str(path), "--format", "json"), "replay": ("replay", str(path)),
                "diff": ("diff", str(other), str(path), "--format", "json"),
                "inspect": ("inspect", str(path), "--event", "4")}
    said = {}
    for name, args in commands.items():
        result = run(tmp_path, *args)
        assert result.exit_code in (0, 1), (name, result.output)
        said[name] = result.stdout
    return said


def first_reads(tmp_path: Path, path: Path, other: Path) -> dict[str, str]:
    said = {}
    for name, args in {"analyze": ("analyze", str(path), "--format", "json"), "replay": ("replay", str(path)),
                       "diff": ("diff", str(other), str(path), "--format", "json"),
                       "inspect": ("inspect", str(path), "--event", "4")}.items():
        said[name] = run(tmp_path, *args, "--no-cache").stdout
    return said


# ---------------------------------------------------------------- redact purges


def test_after_redact_no_secret_is_under_the_cache_directory_and_every_command_still_answers(tmp_path):
    path, other = leaky_run(tmp_path / "run.jsonl"), clean_run(tmp_path / "other.jsonl")
    read_everything(tmp_path, path, other)
    assert any(entries(tmp_path))  # the replay timeline holds names only: it was kept
    result = run(tmp_path, "redact", str(path))
    assert result.exit_code == 0
    assert leaks(SECRETS, cache_dir(tmp_path), tmp_path) == []
    again = read_everything(tmp_path, path, other)
    assert again == first_reads(tmp_path, path, other) == read_everything(tmp_path, path, other)


def test_a_copy_only_a_configured_key_hides_is_removed_by_redact(tmp_path):
    """The cache judges with the default rules; a key added to redact_keys later is `redact`'s to apply,
    and its purge takes the results that may hold what it hides."""
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "resume", 5.0, trace.root, inputs={"session_id": "sess8841abcdef"})
    trace.span("tool", "db", 5.0, trace.root, status="failed", error=error("KeyError", "sess8841abcdef expired"))
    trace.run_end()
    path = trace.write(tmp_path / "run.jsonl")
    run(tmp_path, "analyze", str(path))
    assert leaks(["sess8841abcdef"], cache_dir(tmp_path)) != []  # nothing the default rules hide
    (tmp_path / ".namel3ss").mkdir()
    (tmp_path / ".namel3ss" / "debug.json").write_text('{"redact_keys": ["session_id"]}')
    assert run(tmp_path, "redact", str(path)).exit_code == 0
    assert leaks(["sess8841abcdef"], cache_dir(tmp_path), path) == []


def test_redact_removes_the_results_read_from_its_files_and_keeps_the_others(tmp_path):
    path, other = leaky_run(tmp_path / "run.jsonl"), clean_run(tmp_path / "other.jsonl")
    run(tmp_path, "analyze", str(other))
    kept_for_other = entries(tmp_path)
    run(tmp_path, "replay", str(path))
    assert len(entries(tmp_path)) == len(kept_for_other) + 1
    run(tmp_path, "redact", str(path))
    assert entries(tmp_path) == kept_for_other


def test_redact_removes_results_read_through_another_name_of_the_same_file(tmp_path):
    path = leaky_run(tmp_path / "run.jsonl")
    os.link(path, tmp_path / "alias.jsonl")
    run(tmp_path, "replay", str(tmp_path / "alias.jsonl"))
    assert len(entries(tmp_path)) == 1
    run(tmp_path, "redact", str(path))
    assert entries(tmp_path) == []


def test_redact_removes_entries_it_cannot_attribute_and_writes_left_behind(tmp_path):
    """Of the cache's own names alone: an entry (40 hex digits) and a temporary (`.KEY.RANDOM.tmp`, this
    version's or an earlier one's); a file of another name there is the user's, and stays."""
    path = leaky_run(tmp_path / "run.jsonl")
    results = cache_dir(tmp_path) / "namel3ss-debug" / "results"
    results.mkdir(parents=True)
    old = results / ("0" * 40)
    old.write_bytes(b"\x85an entry of an older format holding " + KEY.encode())
    (results / f".{'1' * 40}.{'a' * 16}.tmp").write_bytes(KEY.encode())
    (results / f".{'2' * 40}.k3j9x_2q.tmp").write_bytes(KEY.encode())
    (results / "notes.txt").write_bytes(b"the user's")
    run(tmp_path, "redact", str(path))
    assert leaks(SECRETS, cache_dir(tmp_path)) == [] and [entry.name for entry in entries(tmp_path)] == ["notes.txt"]


def test_a_dry_run_keeps_the_cache(tmp_path):
    path = leaky_run(tmp_path / "run.jsonl")
    run(tmp_path, "replay", str(path))
    run(tmp_path, "redact", "--dry-run", str(path))
    assert len(entries(tmp_path)) == 1


# ---------------------------------------------------------------- what the caches hold


def test_a_result_holding_text_redaction_would_hide_is_not_kept_so_no_secret_is_in_the_cache(tmp_path):
    path, other = leaky_run(tmp_path / "run.jsonl"), clean_run(tmp_path / "other.jsonl")
    said = read_everything(tmp_path, path, other)
    assert PASSWORD in said["analyze"]  # the report does say the error message: its copy is not kept
    assert leaks(SECRETS, cache_dir(tmp_path)) == []
    assert read_everything(tmp_path, path, other) == said  # and a read again answers the same


def test_the_results_of_a_run_with_nothing_to_hide_are_kept(tmp_path):
    path, other = clean_run(tmp_path / "run.jsonl"), clean_run(tmp_path / "other.jsonl")
    read_everything(tmp_path, path, other)
    assert len(entries(tmp_path)) == 5  # analyze's report, replay's timeline, diff's two sides and its answer


def test_a_value_under_a_sensitive_key_is_remembered_in_any_field_a_result_copies(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "login", 20.0, trace.root, inputs={"api_key": "corpKEY-7781-zeta"})
    trace.span("tool", "corpKEY-7781-zeta", 5.0, trace.root)  # a name that copies it: analyze keeps names
    trace.run_end()
    path = trace.write(tmp_path / "run.jsonl")
    run(tmp_path, "analyze", str(path))
    assert entries(tmp_path) == [] and leaks(["corpKEY-7781-zeta"], cache_dir(tmp_path)) == []


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gz"])
def test_no_secret_of_the_corpus_reaches_the_cache_from_error_messages_names_or_output_previews(tmp_path, compress):
    """Every kind of tests/support/secretcorpus.py that redaction finds in a file (not those only the traced process's
    environment gives away) in an error message, an operation's name and a tool's output. A `.gz` run cannot
    be read again at an offset, so diff keeps previews of its outputs: they are text of the run too."""
    corpus = [sample for sample in samples("cache") if not sample.env]
    trace = TraceBuilder()
    trace.run_start()
    for sample in corpus:
        for key, value in sample.known.items():
            trace.span("tool", "form", 1.0, trace.root, inputs={key: value})
        trace.span("tool", "step", 1.0, trace.root, status="failed", error=error("ValueError", sample.text),
                   outputs={"text": sample.text})
        trace.span("llm", sample.text[:60], 1.0, trace.root, outputs={"text": sample.text})
    trace.run_end()
    path = trace.write(tmp_path / "run.jsonl")
    if compress:
        gz = tmp_path / "run.jsonl.gz"
        gz.write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
        path = gz
    other = clean_run(tmp_path / "other.jsonl")
    read_everything(tmp_path, path, other)
    secrets = [secret for sample in corpus for secret in sample.secrets]
    assert leaks(secrets, cache_dir(tmp_path)) == []


def test_an_offset_index_holds_numbers_only(tmp_path):
    trace = TraceBuilder()
    trace.run_start()
    for number in range(4000):  # past a MiB: reading it writes an index beside it
        trace.span("tool", "login", 1.0, trace.root, inputs={"password": PASSWORD, "n": number},
                   outputs={"text": f"here is {KEY}"})
    trace.run_end()
    path = trace.write(tmp_path / "run.jsonl")
    assert run(tmp_path, "inspect", str(path), "--event", "3000").exit_code == 0
    index = Path(str(path) + ".idx")
    assert index.exists() and leaks(SECRETS, index) == []
    assert not any(character.isalpha() for character in index.read_text().replace("first_seq", "").replace(
        "last_seq", "").replace("mtime_ns", "").replace("size", "").replace("entries", "").replace('"v"', ""))


def test_the_results_directory_is_its_owners_alone(tmp_path):
    path = clean_run(tmp_path / "run.jsonl")
    run(tmp_path, "analyze", str(path))
    results = cache_dir(tmp_path) / "namel3ss-debug" / "results"
    assert oct(results.stat().st_mode & 0o777) == oct(0o700)


def test_purge_with_no_cache_directory_is_nothing(tmp_path):
    assert ResultCache(None).purge({str(tmp_path / "run.jsonl")}) == 0
    assert ResultCache(tmp_path / "missing").purge({str(tmp_path / "run.jsonl")}) == 0
