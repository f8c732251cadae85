"""How trace files are named: a run `R` is written as `R.0000.jsonl`, `R.0001.jsonl`, ..."""

from __future__ import annotations

import re

# The run ids the tracer makes: UTC start time and six random hex digits (`20261122-070322-3f9a1c`).
RUN_ID = r"\d{8}-\d{6}-[0-9a-f]{6}"
# Any run's segment: four digits, five and more past 9999.
SEGMENT_FILE = re.compile(r"^(?P<run>.+)\.(?P<index>\d{4,})\.jsonl$")
NOISE_SUFFIX = ".stop-noise.log"  # what a rerun's app printed while its stop unwound it (`launch/stop_noise.py`)
UPLOAD_SUFFIX = ".upload"  # a finished run waiting to be sent to a bucket (`tracer/finished.py`)
# Files we write beside a run (segments, compressed segments, index sidecars, a rerun's stop noise, the marker of a
# run waiting to be sent): all `clean` may delete.
TRACER_FILE = re.compile(rf"^{RUN_ID}(?:\.\d{{4,}}\.jsonl(?:\.gz|\.idx)?|{re.escape(NOISE_SUFFIX)}"
                         rf"|{re.escape(UPLOAD_SUFFIX)})$")


def segment_name(run_id: str, index: int) -> str:
    return f"{run_id}.{index:04d}.jsonl"
