"""The ways a trace file arrives broken: each mutation takes a well-formed `Base` and returns the bytes of a
damaged file. Structural mutations change the records (structure.py: wrong types, hostile strings, deep
nesting, duplicate keys...); byte mutations change the text (bytedamage.py: cut short, bytes flipped, not
UTF-8, NULs, other formats mixed in) or break the compressed stream of a `.jsonl.gz` trace.

    data = MUTATIONS["wrong_type"](rng, base, other)   # `other()` gives a second base (concatenation, mixing)
"""

from __future__ import annotations

from bytedamage import BYTES, bomb
from structure import STRUCTURAL, Mutation

MUTATIONS: dict[str, Mutation] = {**STRUCTURAL, **BYTES}

__all__ = ["MUTATIONS", "Mutation", "bomb"]
