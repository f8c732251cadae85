"""`redact` when a file cannot be rewritten: one line naming the file and how to fix it, the file as it was."""

from __future__ import annotations

import errno
import os

import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli
from namel3ss_debug.model.fs import Folder

pytestmark = pytest.mark.usefixtures("isolated_workspace")


def test_a_directory_redact_cannot_write_in_is_a_one_line_error_and_the_file_stays(tmp_path, monkeypatch):
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "login", 5.0, trace.root, inputs={"password": "hunter2hunter2"})
    trace.run_end()
    path = trace.write(tmp_path / "run.jsonl")
    before = path.read_bytes()

    def refused(folder, name, mode=0o600):  # what the system says for a directory that is not writable
        raise PermissionError(errno.EACCES, "Permission denied", name)  # the temporary's name, in the folder

    monkeypatch.setattr(Folder, "create", refused)
    result = CliRunner().invoke(cli, ["redact", str(path)])
    assert (result.exit_code, result.stdout, path.read_bytes()) == (1, "", before)
    assert result.stderr == (f"namel3ss-debug: error: {tmp_path}: cannot rewrite the run's files: Permission denied "
                             "(redact writes each new file beside the old one: the directory must be writable)\n")


def test_a_named_pipe_is_refused_before_it_is_read(tmp_path):
    # Reading it worked; the rewrite then opened it again and waited for ever for a reader.
    fifo = tmp_path / "run.jsonl"
    os.mkfifo(fifo)
    result = CliRunner().invoke(cli, ["redact", str(fifo)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"namel3ss-debug: error: {fifo}: not a regular file: a pipe or a device cannot be "
                             "rewritten (save it to a file and redact that)\n")


def test_a_trace_in_a_store_is_refused_before_anything_is_read():
    # It read the objects, then would have written the redacted copy to a local path made of the URL.
    result = CliRunner().invoke(cli, ["redact", "s3://runs/team/run.0000.jsonl"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("namel3ss-debug: error: s3://runs/team/run.0000.jsonl: a trace in a store is not "
                             "rewritten in place (copy it here (aws s3 cp), redact the copy, and put it back)\n")
