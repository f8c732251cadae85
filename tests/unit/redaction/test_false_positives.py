"""Redaction leaves ordinary LLM traffic alone: over 20,000 values of tests/support/normalcorpus.py (provider ids,
UUIDs, hashes, base64 images, prose in a dozen languages, code that names keys and passwords without holding
them, JSON, URLs, logs...), at most one in a thousand is changed, as text and inside the dicts an app sends.

`python bench/false_positives.py` prints the rate of each category.
"""

from __future__ import annotations

from typing import Any

import pytest
from support.normalcorpus import changed, dict_forms, normal_corpus, where_changed
from support.secretcorpus import GENERATORS, sample

from namel3ss_debug.redaction.redact import Redactor

MAX_RATE = 1 / 1000
SHOWN = 12


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[str]]:
    return normal_corpus(seed=1)


def report(found: dict[str, list[tuple[Any, Any]]], total: int) -> str:
    """The rate, each category's count, and the first values changed, where they changed."""
    count = sum(map(len, found.values()))
    lines = [f"{count} of {total} values changed ({count / total:.3%}; at most {MAX_RATE:.1%})"]
    lines += [f"  {category}: {len(values)}" for category, values in found.items() if values]
    shown = [pair for values in found.values() for pair in values][:SHOWN]
    lines += [where_changed(before, after) for before, after in shown]
    return "\n".join(lines)


def test_the_corpus_holds_at_least_20000_values(corpus):
    assert sum(map(len, corpus.values())) >= 20_000


def test_at_most_one_value_in_a_thousand_is_changed_as_text(corpus):
    redactor = Redactor()
    found = {category: changed(redactor.redact_text, values) for category, values in corpus.items()}
    total = sum(map(len, corpus.values()))
    count = sum(map(len, found.values()))
    assert count <= MAX_RATE * total, report(found, total)


def test_at_most_one_value_in_a_thousand_is_changed_inside_a_dict(corpus):
    redactor = Redactor()
    found = {category: changed(redactor.redact, dict_forms(values)) for category, values in corpus.items()}
    total = sum(map(len, corpus.values()))
    count = sum(map(len, found.values()))
    assert count <= MAX_RATE * total, report(found, total)


def test_the_redactor_measured_hides_every_secret_with_a_form_of_its_own():
    # Guards the tests above: the Redactor they measure does hide secrets (the kinds only an environment
    # variable or an earlier sensitive key gives away are left to tests/e2e/test_secret_corpus.py).
    redactor = Redactor()
    shaped = [s for seed in range(20) for s in (sample(kind, seed) for kind in GENERATORS) if not (s.env or s.known)]
    left = [f"{s.kind}: {redactor.redact_text(s.text)!r}" for s in shaped
            if any(secret in redactor.redact_text(s.text) for secret in s.secrets)]
    assert not left, "\n".join(left)
