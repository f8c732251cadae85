"""Only for the optional C speedups; everything else is in pyproject.toml.

Redaction's pre-scan (`tracer/_scan.c`), the readers' newline counting (`store/_lines.c`), replay's
timeline builder (`replay/_builder.c`) and the join of a timeline's halves (`replay/_join.c`).
`optional=True`: where no compiler is available the build goes on without them and their pure-Python twins
are used (same answers, slower).
"""

from setuptools import Extension, setup

COMPILED = ("tracer._scan", "store._lines", "replay._builder", "replay._join")

setup(ext_modules=[Extension(f"namel3ss_debug.{name}", [f"namel3ss_debug/{name.replace('.', '/')}.c"], optional=True)
                   for name in COMPILED])
