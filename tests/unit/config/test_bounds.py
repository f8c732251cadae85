"""The configuration against hostile values and files: every number in a range the tracer can use, every file read
bounded (a device, a FIFO with no writer, a file past the cap), nesting and numbers past what Python reads
refused at file:line:col; and the lenient load a traced app uses, which leaves a bad value out with a warning."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from namel3ss_debug.config import WORKSPACE_FILE, load_settings
from namel3ss_debug.config.document import read_json_document
from namel3ss_debug.config.prices import read_prices_file
from namel3ss_debug.model.errors import EXIT_USAGE, ConfigError
from namel3ss_debug.model.limits import CONFIG_BYTES_MAX, JSON_DEPTH_MAX


def workspace(root: Path, text: str) -> Path:
    path = root / WORKSPACE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(root: Path, text: str) -> ConfigError:
    workspace(root, text)
    with pytest.raises(ConfigError) as caught:
        load_settings({}, root)
    assert caught.value.exit_code == EXIT_USAGE
    return caught.value


@pytest.mark.parametrize(("text", "message"), [
    ('{"buffer_size": 1e309}',
     ".namel3ss/debug.json:1:2: buffer_size = Infinity: expected an integer from 1 to 1000000"),
    ('{"buffer_size": NaN}', ".namel3ss/debug.json:1:2: buffer_size = NaN: expected an integer from 1 to 1000000"),
    ('{"buffer_size": 1' + "0" * 60 + "}",
     "buffer_size = 1000000000000000000000000000000000000000000000000000000000000"),
    ('{"min_duration_ms": Infinity}', "min_duration_ms = Infinity: expected a number from 0 to 31536000000 (8760h)"),
    ('{"min_duration_ms": 1e308}', "min_duration_ms = 1e+308: expected a number from 0 to 31536000000 (8760h)"),
    ('{"flush_interval_seconds": 1e300}', "flush_interval_seconds = 1e+300: expected a number > 0 and <= 86400"),
    ('{"max_trace_file_size_mb": 1e300}', "max_trace_file_size_mb = 1e+300: expected a number > 0 and <= 1048576"),
    ('{"max_events_per_file": 10000000000000000}',
     "max_events_per_file = 10000000000000000: expected an integer from 0"),
    ('{"max_files_per_run": -1}', "max_files_per_run = -1: expected an integer from 0 to 1000000"),
    ('{"trace_retention_days": 1e300}', "trace_retention_days = 1e+300: expected a number from 0 to 36500"),
    # an integer too large for a float, at a key that takes a float: out of range, not an OverflowError
    ('{"min_duration_ms": 1' + "0" * 400 + "}", "expected a number from 0 to 31536000000 (8760h)"),
    ('{"max_payload_size": 1' + "0" * 40 + "}", "expected an integer from 256 to 1073741824 (bytes)"),
    ('{"price_overrides": {"m": {"input": 1e308, "output": 1}}}',
     '"m".input = 1e+308 is not a number from 0 to 1000000'),
])
def test_a_number_out_of_range_is_an_error_at_its_key(tmp_path, text, message):
    assert message in str(load_error(tmp_path, text))


def test_a_number_past_python_s_digits_is_an_error_at_its_place(tmp_path):
    error = load_error(tmp_path, '{\n  "buffer_size": ' + "9" * 5000 + "\n}")
    assert str(error) == ".namel3ss/debug.json:2:18: a number of more than 4300 digits (write a number in range)"


@pytest.mark.parametrize("depth", [JSON_DEPTH_MAX + 1, 5000, 100_000])
def test_nesting_past_the_limit_is_an_error_at_the_first_bracket_too_deep(tmp_path, depth):
    error = load_error(tmp_path, '{"x": ' + "[" * depth + "]" * depth + "}")
    # the top object is level 1: the bracket too deep is the 64th, at offset 6 + 63
    assert str(error).startswith(f".namel3ss/debug.json:1:{6 + JSON_DEPTH_MAX}: nested more than 64 levels deep")


def test_nesting_up_to_the_limit_is_read(tmp_path):
    depth = JSON_DEPTH_MAX - 1
    workspace(tmp_path, '{"checks": {"x": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}}")
    assert load_settings({}, tmp_path).workspace is not None


@pytest.mark.parametrize(("name", "value", "message"), [
    ("NAMEL3SS_DEBUG_BUFFER_SIZE", "1e309", 'buffer_size = "1e309": expected an integer from 1 to 1000000'),
    ("NAMEL3SS_DEBUG_BUFFER_SIZE", "9" * 5000, "buffer_size = \"99999"),
    ("NAMEL3SS_DEBUG_MIN_DURATION_MS", "nan", 'min_duration_ms = "nan": expected a number from 0'),
    ("NAMEL3SS_DEBUG_FLUSH_INTERVAL_SECONDS", "inf", 'flush_interval_seconds = "inf": expected a number > 0'),
    ("NAMEL3SS_DEBUG_PRICE_OVERRIDES", "[" * 5000, "nested too deep (about 1,000 levels)"),
    ("NAMEL3SS_DEBUG_PRICE_OVERRIDES", '{"m": {"input": ' + "1" * 5000 + ', "output": 1}}',
     "a number of more than 4300 digits"),
])
def test_a_bad_environment_value_names_the_variable(tmp_path, name, value, message):
    with pytest.raises(ConfigError) as caught:
        load_settings({name: value}, tmp_path)
    assert str(caught.value).startswith(f"{name}: ") and message in str(caught.value)
    assert len(str(caught.value)) < 400


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_refused_before_it_is_read(tmp_path, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path, config_path=Path(device))
    assert str(caught.value) == f"{device}: is a device, not a file (name a JSON file)"


def test_a_fifo_with_no_writer_is_empty_not_a_hang(tmp_path):
    fifo = tmp_path / "config.json"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="the file is empty"):
        load_settings({}, tmp_path, config_path=fifo)


def pipe_path(write: bytes | None) -> tuple[Path, int, threading.Thread]:
    """A pipe named as `--config <(...)` names one (/dev/fd/N), and a thread writing to it: `write` then the end
    of the pipe, or (None) spaces for ever, until nobody reads."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as stream:
            try:
                if write is not None:
                    stream.write(write)
                else:
                    while True:
                        stream.write(b" " * 65536)
            except (BrokenPipeError, OSError):
                pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return Path(f"/dev/fd/{read_end}"), read_end, writer


def test_a_pipe_is_read_as_it_comes(tmp_path):
    path, read_end, writer = pipe_path(b'{"buffer_size": 7}')
    try:
        assert load_settings({}, tmp_path, config_path=path).settings.buffer_size == 7
    finally:
        os.close(read_end)
        writer.join(timeout=10)


def test_a_pipe_that_never_ends_is_cut_at_the_cap(tmp_path):
    path, read_end, writer = pipe_path(None)
    try:
        with pytest.raises(ConfigError, match="larger than 4 MiB"):
            load_settings({}, tmp_path, config_path=path)
    finally:
        os.close(read_end)  # the writer's next write fails: nobody reads any more
        writer.join(timeout=10)
    assert not writer.is_alive()


def test_a_file_past_the_cap_is_refused_from_its_size(tmp_path):
    path = workspace(tmp_path, "{}" + " " * CONFIG_BYTES_MAX)
    with pytest.raises(ConfigError) as caught:
        read_json_document(path, "big.json")
    assert str(caught.value) == "big.json: larger than 4 MiB (this file is read whole: at most 4 MiB)"


def test_key_places_are_found_in_log_time_on_many_lines(tmp_path):
    lines = ",\n".join(f'  "k{index}": {index}' for index in range(50_000))
    path = tmp_path / "many.json"
    path.write_text("{\n" + lines + "\n}")
    document = read_json_document(path, "many.json", limit=8 << 20)
    positions = document.positions
    assert positions.line_col(positions.paths[("k49999",)]) == "50001:3"
    assert positions.line_col(positions.paths[("k0",)]) == "2:3"


# ---------------------------------------------------------------- the lenient load of a traced app


def test_a_lenient_load_leaves_a_bad_value_out_and_says_so(tmp_path):
    workspace(tmp_path, '{"buffer_size": 512, "flush_interval_seconds": 1e300}')
    resolved = load_settings({"NAMEL3SS_DEBUG_BUFFER_SIZE": "1e309"}, tmp_path, lenient=True)
    assert (resolved.settings.buffer_size, resolved.sources["buffer_size"]) == (512, ".namel3ss/debug.json")
    assert resolved.settings.flush_interval_seconds == 1.0
    assert resolved.ignored == (
        ".namel3ss/debug.json:1:22: flush_interval_seconds = 1e+300: expected a number > 0 and <= 86400 (a day); "
        "the value is ignored",
        'NAMEL3SS_DEBUG_BUFFER_SIZE: buffer_size = "1e309": expected an integer from 1 to 1000000; '
        "the value is ignored")


def test_a_lenient_load_leaves_a_file_it_cannot_read_out(tmp_path):
    workspace(tmp_path, '{"enabled": true, "x": ' + "[" * 3000 + "]" * 3000 + "}")
    resolved = load_settings({"NAMEL3SS_DEBUG_ENABLED": "1"}, tmp_path, lenient=True)
    assert resolved.settings.enabled and resolved.workspace is None
    assert resolved.ignored[0].endswith("nested more than 64 levels deep (these files need four levels at most); "
                                        "the file is ignored")


def test_a_lenient_load_still_refuses_bad_overrides(tmp_path):
    with pytest.raises(ConfigError, match="buffer_size"):
        load_settings({}, tmp_path, overrides={"buffer_size": 10**5000}, lenient=True)


# ---------------------------------------------------------------- --prices FILE


@pytest.mark.parametrize(("text", "message"), [
    ('{"a": {"input": 1, "output": 1},\n "m": {"input": 1e309, "output": 1}}',
     '--prices p.json:2:2: price_overrides = {"m": {"input": Infinity, "output": 1}}'),
    ('{"m": {"input": ' + "9" * 5000 + ', "output": 1}}', "--prices p.json:1:17: a number of more than 4300 digits"),
    ('{"m": ' + "[" * 3000 + "]" * 3000 + "}", "--prices p.json:1:70: nested more than 64 levels deep"),
    ("", "--prices p.json: the file is empty (write a JSON object such as {\"gpt-4o\""),
    ("[]", "--prices p.json: the top level must be a JSON object, not list"),
])
def test_a_bad_prices_file_is_an_error_at_its_place(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    Path("p.json").write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_prices_file(Path("p.json"))
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_prices_device_is_refused(device):
    with pytest.raises(ConfigError) as caught:
        read_prices_file(Path(device))
    assert str(caught.value) == f"--prices {device}: is a device, not a file (name a JSON file)"


def test_a_prices_file_prices_its_models(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"m": {"input": 2.5, "output": 10}}')
    assert read_prices_file(path) == {"m": {"input": 2.5, "output": 10.0}}


def test_a_lone_surrogate_is_an_error_at_its_place(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"ok\\ud83d\\ude00": {"input": 1, "output": 1},\n "m\\udfff": {"input": 1, "output": 2}}')
    with pytest.raises(ConfigError) as caught:
        read_prices_file(path)
    assert str(caught.value).startswith(f"--prices {path}:2:4: a \\u escape of half a character (a lone surrogate)")


def test_a_pair_of_surrogates_is_one_character(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"m\\ud83d\\ude00": {"input": 1, "output": 2}}')
    assert read_prices_file(path) == {"m\U0001f600": {"input": 1.0, "output": 2.0}}
