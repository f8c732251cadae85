"""`python -m namel3ss_debug.ops.trace.handoff DIR FIRST`, the settings on its standard input: the process a run's
end starts (`launch/uploading.send_finished`) to hand DIR's finished runs on, FIRST (the run just ended) first.
Each run is sent to `trace_upload_url` (`uploading.send_here`) and then put in the index of `run_index_url`
(`runs/ended.py`), whichever of the two the settings name. Its answer is one JSON document, the last line of its
standard output. Not a command of ours: its arguments and settings are its parent's, checked there (and again
here, as any setting from code is: `settings_from`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ...config import ResolvedSettings, Settings, settings_from
from ...config.index_url import shown
from ...launch.uploading import Indexer, NotSent, answer, send_here, sending_for
from ...model.errors import Namel3ssDebugError
from ...store.remote import RemoteObject
from ...tracer.finished import Pending
from ..environment import Environment

if TYPE_CHECKING:
    from ..runs.ended import EndIndexing

_FIX_INDEX = "start the database, or check run_index_url (NAMEL3SS_DEBUG_RUN_INDEX_URL)"


def main(argv: list[str]) -> int:
    directory, first = Path(argv[0]), argv[1] or None
    settings = settings_from(json.loads(sys.stdin.buffer.read())["settings"], "the sending's settings")
    sending = sending_for(settings, directory)
    if sending is None:  # its parent starts it only for settings that hand runs on
        return 2
    if not settings.run_index_url:
        print(answer(send_here(sending, first)), flush=True)
        return 0
    from ..runs.ended import EndIndexing  # noqa: PLC0415 - the run index (and psycopg) only when one is named

    resolved = ResolvedSettings(settings, {}, (), None, directory)
    indexing = EndIndexing(resolved, Environment(os.environ, Path.cwd()))
    try:
        print(answer(send_here(sending, first, indexer(indexing, settings))), flush=True)
    finally:
        indexing.close()
    return 0


def indexer(indexing: EndIndexing, settings: Settings) -> Indexer:
    """`indexing` as the sending calls it: a failure of the index keeps the run back (NotSent: tried again at the
    next run's end); a run whose trace cannot be read goes with one line (reading it again would not help)."""
    def index(directory: Path, pending: Pending, objects: list[RemoteObject] | None) -> str | None:
        try:
            result = indexing.index(directory, pending.run_id, pending.segments, objects)
        except Namel3ssDebugError as failure:
            raise NotSent(failure.message, failure.hint or _FIX_INDEX, indexing=True) from None
        if result.failed:
            return (f"run {pending.run_id} not indexed in {shown(settings.run_index_url)}: its trace cannot be read "
                    "as one run, and is not tried again; `namel3ss-debug analyze` of it says why")
        return None
    return index


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
