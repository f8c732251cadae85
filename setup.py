"""Only for the optional C speedup of redaction's pre-scan; everything else is in pyproject.toml.

`optional=True`: where no compiler is available the build goes on without it and the pure-Python
scan is used (same answers, slower).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("namel3ss_debug.tracer._scan", ["namel3ss_debug/tracer/_scan.c"], optional=True)])
