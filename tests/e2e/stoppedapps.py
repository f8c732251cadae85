"""The recording of the small apps whose reruns the stop tests (`test_rerun_stop_*.py`) stop: each app asks one
question more in its rerun than it recorded, when ONE_MORE is set."""

from __future__ import annotations

from pathlib import Path

from support.rerunhelpers import command


def recorded_app(directory: Path, source: str) -> Path:
    """`source` written as `app.py` in `directory` and traced into `rec/` there (ONE_MORE unset): the directory."""
    (directory / "app.py").write_text(source)
    done = command("trace", "-q", "-o", "rec", "app.py", cwd=directory, timeout=120)
    assert done.returncode == 0, done.stderr
    return directory
