"""A golden test whose prompt holds the key it sends: the key, seen in `OPENAI_API_KEY` when the run was recorded,
is `[REDACTED:seen]` in the golden file; the replay's own key (a placeholder when none is set, CI's dummy one
when a short one is) stands in the same place, and the two are compared as one placeholder. A miss names the
first difference that is not a masked value (a generated id, a date, a secret).

The suite is recorded once against a stub LLM server on 127.0.0.1 that answers only the recording key in the
`Authorization` header, then replayed with no key, with a dummy key, and with a question changed."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from support.goldensuites import KEY, answers, free_port, run_pytest, suite_environ, write_suite
from support.stubserver import StubServer

pytestmark = pytest.mark.slow  # pytest sessions of sample projects, in processes of their own

KEYED = r'''
import os, uuid

import pytest
from agentapp import ask, keep


def question():
    return os.environ.get("QUESTION", "the weather")


@pytest.mark.n3replay
def test_key_in_prompt():
    keep("key_in_prompt", ask(f"Log in with {os.environ['OPENAI_API_KEY']} and tell me {question()}"))


@pytest.mark.n3replay
def test_key_and_uuid_in_prompt():
    keep("key_and_uuid", ask(f"Request {uuid.uuid4()} with key {os.environ['OPENAI_API_KEY']}: {question()}"))
'''
GOLDEN = Path("golden", "test_keyed")


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("golden-keyed")
    write_suite(path, test_keyed=KEYED)
    with StubServer(api_key=KEY, fresh=True) as llm:  # the key is sent, in `Authorization`, or the stub refuses
        run_pytest(path, suite_environ(path, llm.url), "--n3-record=once").assert_outcomes(passed=2)
        assert llm.seen_keys == [KEY, KEY]
    yield path


def replay(suite: Path, key: str | None, *args: str, **environ: str) -> pytest.RunResult:
    """The suite replayed with `key` as `OPENAI_API_KEY` (None: unset), its server where nothing listens."""
    dead = f"http://127.0.0.1:{free_port()}"
    return run_pytest(suite, {**suite_environ(suite, dead, key=key), **environ}, "--n3-record=none", *args)


def test_the_golden_files_hold_the_key_masked(suite: Path) -> None:
    for path in (suite / GOLDEN).iterdir():
        text = path.read_text()
        assert KEY not in text and ("with key [REDACTED:seen]:" in text or "with [REDACTED:seen] and" in text), path


@pytest.mark.parametrize("key", [None, "dummy", "sk-ci-other-key-0123456789abcdef"],
                         ids=["no key", "a dummy key", "another key"])
def test_a_prompt_holding_its_key_replays(suite: Path, key: str | None) -> None:
    result = replay(suite, key)
    result.assert_outcomes(passed=2)
    assert answers(suite, "key_in_prompt").startswith("Echo: Log in with [REDACTED:seen] and tell me the weather")


def test_a_miss_names_the_changed_question_not_the_uuid_or_the_key(suite: Path) -> None:
    result = replay(suite, "dummy", "-k", "uuid", QUESTION="the traffic")
    result.assert_outcomes(failed=1)
    assert [line for line in result.outlines if line.startswith("    inputs: ")] == [
        "    inputs: messages[0].content: at character 39: recorded '... with key <secret>: the weather', "
        "this call '... with key <secret>: the traffic'"]
