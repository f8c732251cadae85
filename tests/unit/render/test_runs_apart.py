"""`render/runs/apart.py`: how far each question runs alike with another listed, and a question cut to a width
shown from where it parts from the others when a cut at its end would hide that part."""

from __future__ import annotations

import random

from rich.cells import cell_len

from namel3ss_debug.render.runs.apart import LEAST_APART, cut_apart, cut_end, shared_prefixes

OSLO, PARIS = "What is the weather in Oslo on Friday?", "What is the weather in Paris?"


def test_each_text_shares_its_longest_start_with_another_different_text() -> None:
    texts = [OSLO, PARIS, PARIS, "Where is the Louvre?", None, "Unlike any"]
    assert shared_prefixes(texts) == [len("What is the weather in "), len("What is the weather in "),
                                      len("What is the weather in "), len("Wh"), 0, 0]


def test_shared_prefixes_agree_with_comparing_every_pair() -> None:
    chooser = random.Random(7)
    texts = ["".join(chooser.choice("ab ") for _ in range(chooser.randint(0, 12))) or None for _ in range(300)]
    def longest(text: str) -> int:
        return max((next((at for at, (x, y) in enumerate(zip(text, other)) if x != y), min(len(text), len(other)))
                    for other in texts if other and other != text), default=0)
    assert shared_prefixes(texts) == [longest(text) if text else 0 for text in texts]


def test_a_text_that_fits_is_whole_and_one_whose_part_shows_is_cut_at_its_end() -> None:
    assert cut_apart(PARIS, 40, 23) == PARIS
    assert cut_apart(OSLO, 35, 23) == cut_end(OSLO, 35) == OSLO[:34] + "…"
    assert len(OSLO[23:34]) >= LEAST_APART


def test_a_text_whose_part_a_cut_would_hide_is_shown_from_where_it_parts() -> None:
    assert cut_apart(OSLO, 20, 23) == "…in Oslo on Friday?"  # the end that fits, from a word's start
    assert cut_apart(OSLO, 12, 23) == "…Oslo on Fr…"  # the part alone does not fit: from where it parts, cut
    assert cut_apart(OSLO, 20, 0) == OSLO[:19] + "…"  # a text like no other keeps its start


def test_wide_characters_are_cut_in_terminal_cells() -> None:
    text = "東京の天気を教えて ください 明日の朝"
    shown = cut_apart(text, 12, len("東京の天気を教えて "))
    assert shown.startswith("…") and cell_len(shown) <= 12
