"""Only for the optional C speedups; everything else is in pyproject.toml.

Redaction's pre-scan (`tracer/_scan.c`), the readers' newline counting (`store/_lines.c`), checks over arrays
of integers (`model/_arrays.c`: bounds, parents, tree order), replay's
kernel that places events in the span tree (`replay/_place.c`), the join of a timeline's halves
(`replay/_join.c`), analyze's pass (`analysis/_tally.c`), the sorting and exact sums of its arrays of floats
(`analysis/_floats.c`), diff's fingerprints (`diffing/_fingerprint.c`) and call recorder (`diffing/_calls.c`) and
check's event scan (`checks/_see.c`).
`optional=True`: where no compiler is available the build goes on without them and their pure-Python twins
are used (same answers, slower).
"""

from pathlib import Path

from setuptools import Extension, setup

COMPILED = ("tracer._scan", "store._lines", "model._arrays", "replay._place", "replay._join", "analysis._tally",
            "analysis._floats", "diffing._fingerprint", "diffing._calls", "checks._see")
# headers any extension may include (`#include "_members.h"`)
SHARED = ("namel3ss_debug/_members.h", "namel3ss_debug/_texts.h", "namel3ss_debug/_hash64.h",
          "namel3ss_debug/_scanned.h", "namel3ss_debug/diffing/_fingerprint_canonical.h")


def _extension(name: str) -> Extension:
    """`namel3ss_debug/<name>.c`, with the headers beside it that start with its name (`_tally_scan.h`) and the
    shared ones."""
    source = Path("namel3ss_debug", *name.split(".")).with_suffix(".c")
    headers = sorted(str(path) for path in source.parent.glob(f"{source.stem}_*.h"))
    return Extension(f"namel3ss_debug.{name}", [str(source)], depends=[*headers, *SHARED],
                     include_dirs=["namel3ss_debug"], optional=True)


setup(ext_modules=[_extension(name) for name in COMPILED])
