"""How often redaction changes a value that holds no secret: the false-positive rate of each category of
ordinary LLM traffic (tests/support/normalcorpus.py), as text (`Redactor().redact_text`) and inside the dicts an app
sends (`Redactor().redact`), with the first values changed.

    python bench/false_positives.py              # the corpus the tests measure (seed 1)
    python bench/false_positives.py --seed 7 --show 5
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.normalcorpus import changed, changed_line, dict_forms, normal_corpus, where_changed

from namel3ss_debug.redaction.redact import Redactor


def rate(count: int, total: int) -> str:
    return f"{count:5d} {count / total:8.3%}" if total else "    -        -"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", default="1", help="the corpus's seed (the tests use 1)")
    parser.add_argument("--show", type=int, default=2, help="values changed to show per category")
    parser.add_argument("--causes", type=int, default=15, help="most frequent changed lines to show")
    options = parser.parse_args()

    started = time.perf_counter()
    corpus = normal_corpus(seed=options.seed)
    print(f"corpus: {sum(map(len, corpus.values()))} values in {len(corpus)} categories, seed {options.seed} "
          f"({time.perf_counter() - started:.2f} s to build)")
    redactor = Redactor()
    print(f"{'category':15} {'values':>6}  {'text':>14}  {'in dicts':>14}")
    totals = [0, 0, 0]
    examples = []
    causes: Counter[tuple[str, str]] = Counter()
    elapsed = 0.0
    for category, values in corpus.items():
        forms = dict_forms(values, options.seed)
        begin = time.perf_counter()
        as_text, in_dicts = changed(redactor.redact_text, values), changed(redactor.redact, forms)
        elapsed += time.perf_counter() - begin
        totals = [totals[0] + len(values), totals[1] + len(as_text), totals[2] + len(in_dicts)]
        print(f"{category:15} {len(values):6d}  {rate(len(as_text), len(values))}  {rate(len(in_dicts), len(values))}")
        examples += [(category, before, after) for before, after in as_text[:options.show]]
        causes.update((category, changed_line(before, after)) for before, after in as_text + in_dicts)
    print(f"{'all':15} {totals[0]:6d}  {rate(totals[1], totals[0])}  {rate(totals[2], totals[0])}")
    print(f"redaction time: {elapsed:.2f} s for {2 * totals[0]} calls ({elapsed / (2 * totals[0]) * 1e6:.1f} us each)")
    if causes:
        print("\nthe lines redaction changed, most frequent first (text and dicts together):")
    for (category, line), count in causes.most_common(options.causes):
        print(f"{count:5d}  [{category}] {line!r:.160}")
    if examples:
        print("\nchanged as text, where they changed:")
    for category, before, after in examples:
        print(f"[{category}]\n{where_changed(before, after)}")


if __name__ == "__main__":
    main()
