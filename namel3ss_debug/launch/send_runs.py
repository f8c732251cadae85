"""`python -m namel3ss_debug.launch.send_runs DIR URL keep|remove TIMEOUT FIRST`: the process that sends a trace
directory's finished runs at a traced run's end (`uploading.send_finished` starts it and reads its answer, one JSON
document on its standard output). Not a command of ours: its arguments are its parent's, checked there."""

from __future__ import annotations

import sys
from pathlib import Path

from ..model.bucket_url import parse_bucket_url
from .uploading import Sending, answer, send_here


def main(argv: list[str]) -> int:
    directory, url, keep, timeout, first = argv
    sending = Sending(Path(directory), parse_bucket_url(url), keep == "keep", float(timeout))
    print(answer(send_here(sending, first=first or None)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
