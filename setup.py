"""Only for the optional C speedups; everything else is in pyproject.toml.

Redaction's pre-scan (`redaction/_scan.c`), the readers' newline counting (`store/_lines.c`), checks over arrays
of integers (`model/_arrays.c`: bounds, parents, tree order), the sorting and exact sums of analyze's arrays of floats
(`analysis/_floats.c`).
`optional=True`: where no compiler is available the build goes on without them and their pure-Python twins
are used (same answers, slower).
"""

from pathlib import Path

from setuptools import Extension, setup

COMPILED = ("redaction._scan", "store._lines", "model._arrays", "analysis._floats")


def _extension(name: str) -> Extension:
    """`namel3ss_debug/<name>.c`: one file each, no headers."""
    source = Path("namel3ss_debug", *name.split(".")).with_suffix(".c")
    return Extension(f"namel3ss_debug.{name}", [str(source)], optional=True)


setup(ext_modules=[_extension(name) for name in COMPILED])
