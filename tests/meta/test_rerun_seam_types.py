"""The rerun's seam is typed (`model/rerun_protocol.py`): mypy checks each side against the protocol. A rerun whose
`answer` takes something else (the launcher's `GuardedRerun`, every command's) is refused where the launcher hands it
to the tracer, and the transport handing the
rerun its raw request instead of a `RequestSpec` is refused where it asks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "namel3ss_debug"
# tests/meta/test_code_checks.py's: not under XDG_CACHE_HOME, which tests/conftest.py makes the session's own
MYPY_CACHE = Path.home() / ".cache" / "namel3ss-debug" / "mypy"


def shadowed(tmp_path: Path, relative: str, old: str, new: str) -> list[str]:
    """mypy's arguments that check `relative` with `old` replaced by `new` (which must be there once)."""
    module = PACKAGE / relative
    text = module.read_text()
    assert text.count(old) == 1, f"{relative} no longer has {old!r}"
    shadow = tmp_path / Path(relative).name
    shadow.write_text(text.replace(old, new))
    return ["--shadow-file", str(module), str(shadow)]


def test_mypy_refuses_a_rerun_or_a_transport_that_breaks_the_protocol(tmp_path: Path) -> None:
    answerer = shadowed(tmp_path, "launch/guard.py", "def answer(self, asked: Asked,", "def answer(self, asked: int,")
    opening = shadowed(tmp_path, "transport/opening.py", "answer_for(tracer, spec, span, inputs)",
                       "answer_for(tracer, request, span, inputs)")
    result = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(MYPY_CACHE), *answerer, *opening],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'launch/rerun.py' in result.stdout and '"RerunSource | None"' in result.stdout, result.stdout
    assert 'transport/opening.py' in result.stdout and 'incompatible type "Outgoing"' in result.stdout, result.stdout
