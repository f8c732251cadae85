"""BLAKE2b, the hash of cache keys and call fingerprints, without loading OpenSSL.

`hashlib` loads its OpenSSL backend when it is imported (6-7 ms under `python -X importtime`; a 38-event
`analyze` took 112 ms with it, 110 ms without, medians of 10), though BLAKE2 is built into CPython itself; the
built-in module is used where it is there, `hashlib`'s elsewhere.
"""

try:
    from _blake2 import blake2b
except ImportError:  # an interpreter without CPython's built-in module
    from hashlib import blake2b

__all__ = ["blake2b"]
