"""Only for the optional C kernels; everything else is in pyproject.toml.

Three stateless kernels, each with a small frozen interface (bytes or arrays in, numbers or arrays out) and a
pure-Python reference beside it that is used where no compiler was available (same answers, slower):
redaction's pre-scan (`tracer/_scan.c`, reference `tracer/scan.py`), the readers' newline counting
(`store/_lines.c`, reference `store/newlines.py`), and the sorting and exact sums of arrays of floats
(`analysis/_floats.c`, reference `analysis/floats.py`). `optional=True`: where no compiler is available the
build goes on without them.
"""

from pathlib import Path

from setuptools import Extension, setup

COMPILED = ("tracer._scan", "store._lines", "analysis._floats")


def _extension(name: str) -> Extension:
    """`namel3ss_debug/<name>.c`: one file, no headers, no other library's memory layout."""
    source = Path("namel3ss_debug", *name.split(".")).with_suffix(".c")
    return Extension(f"namel3ss_debug.{name}", [str(source)], optional=True)


setup(ext_modules=[_extension(name) for name in COMPILED])
