"""Settings resolution: precedence, sources, warnings and value errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from namel3ss_debug.config import (
    ENV_PREFIX,
    KEYS,
    WORKSPACE_FILE,
    Settings,
    find_workspace_file,
    load_settings,
    parse_value,
    starter_config,
)
from namel3ss_debug.config.rules import SPECS
from namel3ss_debug.model.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[3]


def write_config(root: Path, data: object) -> Path:
    """Write `data` (JSON-encoded unless it is already text) as root/.namel3ss/debug.json."""
    path = root / WORKSPACE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


# ---------------------------------------------------------------- precedence and sources


def test_nothing_configured_gives_defaults_from_source_default(tmp_path):
    resolved = load_settings({}, tmp_path)
    assert resolved.settings == Settings()
    assert set(resolved.sources.values()) == {"default"}
    assert resolved.workspace_file is None


@pytest.mark.parametrize(
    ("use_file", "use_env", "use_override", "value", "source"),
    [
        (False, False, False, 256, "default"),
        (True, False, False, 100, ".namel3ss/debug.json"),
        (True, True, False, 200, "env NAMEL3SS_DEBUG_BUFFER_SIZE"),
        (True, True, True, 300, "--buffer-size"),
    ],
)
def test_each_source_beats_the_ones_below_it(tmp_path, use_file, use_env, use_override, value, source):
    if use_file:
        write_config(tmp_path, {"buffer_size": 100})
    environ = {"NAMEL3SS_DEBUG_BUFFER_SIZE": "200"} if use_env else {}
    overrides = {"buffer_size": 300} if use_override else None
    resolved = load_settings(environ, tmp_path, overrides=overrides, override_source="--buffer-size")
    assert (resolved.settings.buffer_size, resolved.sources["buffer_size"]) == (value, source)


def test_override_of_none_means_not_given(tmp_path):
    resolved = load_settings({"NAMEL3SS_DEBUG_BUFFER_SIZE": "200"}, tmp_path, overrides={"buffer_size": None})
    assert resolved.sources["buffer_size"] == "env NAMEL3SS_DEBUG_BUFFER_SIZE"


def test_override_labels_can_be_given_per_key(tmp_path):
    resolved = load_settings({}, tmp_path, overrides={"enabled": True}, override_source={"enabled": "--enable"})
    assert resolved.sources["enabled"] == "--enable"


def test_workspace_file_is_found_from_a_subdirectory(tmp_path):
    path = write_config(tmp_path, {"enabled": True})
    (tmp_path / ".git").mkdir()  # the project's root: a parent's file is believed only inside the project
    subdir = tmp_path / "src" / "agents"
    subdir.mkdir(parents=True)
    resolved = load_settings({}, subdir)
    assert (resolved.settings.enabled, resolved.workspace_file) == (True, path)


def test_find_workspace_file_returns_none_without_a_file(tmp_path):
    assert find_workspace_file(tmp_path) is None


def test_config_path_is_read_instead_of_the_workspace_file(tmp_path):
    write_config(tmp_path, {"buffer_size": 100})
    (tmp_path / "other.json").write_text('{"buffer_size": 7}', encoding="utf-8")
    resolved = load_settings({}, tmp_path, config_path=Path("other.json"))
    assert (resolved.settings.buffer_size, resolved.sources["buffer_size"]) == (7, "other.json")


def test_missing_config_path_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings({}, tmp_path, config_path=Path("nope.json"))


def test_a_directory_as_config_path_is_a_one_line_error_naming_the_file_to_give(tmp_path):
    (tmp_path / "proj").mkdir()
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path, config_path=Path("proj"))
    assert str(caught.value) == ("proj: is a directory, not a config file "
                                 "(name the file, such as proj/.namel3ss/debug.json)")


def test_environ_argument_is_the_only_environment_read(tmp_path, monkeypatch):
    monkeypatch.setenv("NAMEL3SS_DEBUG_BUFFER_SIZE", "7")
    assert load_settings({}, tmp_path).settings.buffer_size == 256


def test_variables_without_the_prefix_are_ignored(tmp_path):
    resolved = load_settings({"BUFFER_SIZE": "x", "NAMEL3SS_OTHER": "y"}, tmp_path)
    assert (resolved.settings, resolved.warnings) == (Settings(), ())


def test_empty_env_value_counts_as_unset(tmp_path):
    resolved = load_settings({"NAMEL3SS_DEBUG_BUFFER_SIZE": ""}, tmp_path)
    assert resolved.sources["buffer_size"] == "default"


# ---------------------------------------------------------------- output_dir


def test_relative_output_dir_from_file_is_under_the_workspace_root(tmp_path):
    write_config(tmp_path, {"trace_output_dir": "out/traces"})
    (tmp_path / ".git").mkdir()
    subdir = tmp_path / "src"
    subdir.mkdir()
    assert load_settings({}, subdir).output_dir() == tmp_path / "out" / "traces"


def test_relative_output_dir_from_env_is_under_cwd(tmp_path):
    write_config(tmp_path, {"trace_output_dir": "from-file"})
    subdir = tmp_path / "src"
    subdir.mkdir()
    resolved = load_settings({"NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR": "from-env"}, subdir)
    assert resolved.output_dir() == subdir / "from-env"


def test_absolute_output_dir_is_kept(tmp_path):
    target = tmp_path / "abs"
    resolved = load_settings({"NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR": str(target)}, tmp_path / "elsewhere")
    assert resolved.output_dir() == target


# ---------------------------------------------------------------- warnings


def test_unknown_file_key_warns_with_the_closest_key(tmp_path):
    write_config(tmp_path, {"bufer_size": 5})
    resolved = load_settings({}, tmp_path)
    assert resolved.warnings == ('.namel3ss/debug.json: unknown key "bufer_size" (did you mean "buffer_size"?)',)


def test_unknown_env_variable_warns_with_the_closest_variable(tmp_path):
    resolved = load_settings({"NAMEL3SS_DEBUG_BUFER_SIZE": "5"}, tmp_path)
    assert resolved.warnings == (
        "env NAMEL3SS_DEBUG_BUFER_SIZE: unknown variable (did you mean NAMEL3SS_DEBUG_BUFFER_SIZE?)",
    )


def test_reserved_file_keys_are_accepted_silently(tmp_path):
    write_config(tmp_path, {"$schema": "x", "checks": {"max_errors": 0}, "enabled": True})
    resolved = load_settings({}, tmp_path)
    assert (resolved.settings.enabled, resolved.warnings) == (True, ())


# ---------------------------------------------------------------- file errors


def test_malformed_json_reports_file_line_and_column(tmp_path):
    write_config(tmp_path, '{\n  "enabled": true,\n}\n')
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path)
    assert caught.value.where == ".namel3ss/debug.json:3:1"


@pytest.mark.parametrize("text", ["", " \n\t\n"])
def test_an_empty_file_is_reported_as_empty(tmp_path, text):
    write_config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path)
    assert str(caught.value) == (
        ".namel3ss/debug.json: the file is empty (write {} or run `namel3ss-debug config init --force`)")


def test_duplicate_keys_warn_at_each_repeat_at_any_depth(tmp_path):
    write_config(tmp_path, '{\n  "buffer_size": 5,\n'
                           '  "price_overrides": {"m": {"input": 1, "input": 2, "output": 3}},\n'
                           '  "buffer_size": 7\n}')
    resolved = load_settings({}, tmp_path)
    assert (resolved.settings.buffer_size, resolved.settings.price_overrides, resolved.warnings) == (
        7, {"m": {"input": 2.0, "output": 3.0}}, (
            '.namel3ss/debug.json:3:41: duplicate key "input" (the last one is used)',
            '.namel3ss/debug.json:4:3: duplicate key "buffer_size" (the last one is used)',
        ))


def test_a_bad_value_of_a_repeated_key_is_reported_where_the_used_one_is(tmp_path):
    write_config(tmp_path, '{\n  "buffer_size": 5,\n  "buffer_size": 0\n}')
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path)
    assert caught.value.where == ".namel3ss/debug.json:3:3"


def test_a_bad_value_is_reported_at_its_top_level_key_not_at_a_nested_key_of_the_same_name(tmp_path):
    write_config(tmp_path, '{\n  "$schema": "x",\n  "checks": {"buffer_size": 1},\n  "buffer_size": 0\n}')
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path)
    assert caught.value.where == ".namel3ss/debug.json:4:3"


def test_top_level_that_is_not_an_object_is_an_error(tmp_path):
    write_config(tmp_path, [1, 2])
    with pytest.raises(ConfigError, match="top level must be a JSON object"):
        load_settings({}, tmp_path)


def test_bad_file_value_names_key_value_expectation_and_position(tmp_path):
    write_config(tmp_path, '{\n  "enabled": true,\n  "redact": true,\n  "buffer_size": -5\n}\n')
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path)
    assert str(caught.value) == ".namel3ss/debug.json:4:3: buffer_size = -5: expected an integer from 1 to 1000000"


def test_config_error_carries_structured_fields(tmp_path):
    write_config(tmp_path, {"sample_rate": 2})
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path)
    err = caught.value
    assert (err.key, err.value, err.expected, err.where) == (
        "sample_rate", 2, "a number > 0 and <= 1", ".namel3ss/debug.json:2:3"
    )


def test_a_bool_is_not_an_integer_in_the_file(tmp_path):
    write_config(tmp_path, {"buffer_size": True})
    with pytest.raises(ConfigError, match="buffer_size = true"):
        load_settings({}, tmp_path)


def test_an_integer_is_fine_for_a_float(tmp_path):
    write_config(tmp_path, {"flush_interval_seconds": 2})
    assert load_settings({}, tmp_path).settings.flush_interval_seconds == 2.0


def test_a_number_string_is_not_a_number_in_the_file(tmp_path):
    write_config(tmp_path, {"buffer_size": "512"})
    with pytest.raises(ConfigError, match="expected an integer"):
        load_settings({}, tmp_path)


# ---------------------------------------------------------------- env and override errors


def test_bad_env_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_settings({"NAMEL3SS_DEBUG_CAPTURE_MEMORY": "maybe"}, tmp_path)
    assert str(caught.value) == (
        'NAMEL3SS_DEBUG_CAPTURE_MEMORY: capture_memory = "maybe": '
        "expected one of 1, 0, true, false, yes, no, on, off"
    )


def test_bad_override_names_the_override_source(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path, overrides={"buffer_size": 0}, override_source="--buffer-size")
    assert caught.value.where == "--buffer-size"


def test_unknown_override_key_is_an_error_naming_the_closest_key(tmp_path):
    with pytest.raises(ConfigError, match='did you mean "sample_rate"'):
        load_settings({}, tmp_path, overrides={"sample_rat": 0.5}, override_source="configure()")


def test_error_text_is_one_line(tmp_path):
    write_config(tmp_path, '{\n  "redact_patterns": ["(unclosed"]\n}')
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path)
    assert "\n" not in str(caught.value)


# ---------------------------------------------------------------- value rules

ENV_SAMPLES = {
    "enabled": ("yes", True),
    "trace_output_dir": ("/var/traces", "/var/traces"),
    "default_components": ("llm, tool", ("llm", "tool")),
    "default_event_types": ('["llm_call_end", "custom_checkpoint"]', ("llm_call_end", "custom_checkpoint")),
    "min_duration_ms": ("2.5", 2.5),
    "sample_rate": ("0.25", 0.25),
    "buffer_size": ("512", 512),
    "flush_interval_seconds": ("0.5", 0.5),
    "max_trace_file_size_mb": ("10", 10.0),
    "max_events_per_file": ("1000", 1000),
    "max_files_per_run": ("3", 3),
    "trace_retention_days": ("0", 0.0),
    "max_payload_size": ("4096", 4096),
    "capture_inputs": ("off", False),
    "capture_outputs": ("0", False),
    "capture_memory": ("TRUE", True),
    "capture_stack_traces": ("no", False),
    "redact": ("false", False),
    "redact_keys": ("session_token,cookie", ("session_token", "cookie")),
    "redact_patterns": (r"sk-[a-z]+", (r"sk-[a-z]+",)),
    "price_overrides": ('{"my-model": {"input": 1, "output": 2.5}}', {"my-model": {"input": 1.0, "output": 2.5}}),
    "capture_http": ("llm", "llm"),
    "exporters": ("jsonl,otlp", ("jsonl", "otlp")),
    "diagnose_tool_failures": ("5", 5),
    "diagnose_missing_tool_asks": ("4", 4),
    "diagnose_loop_repeats": ("4", 4),
    "diagnose_handoff_cycles": ("2", 2),
    "diagnose_context_share": ("0.9", 0.9),
    "diagnose_growth_turns": ("6", 6),
    "diagnose_backoff_ms": ("250", 250.0),
    "diagnose_rate_limit_burst": ("5", 5),
    "diagnose_burst_window_ms": ("30000", 30000.0),
    "diagnose_min_saving_ms": ("1000", 1000.0),
    "diagnose_dominant_share": ("0.7", 0.7),
    "diagnose_slow_tool_share": ("0.5", 0.5),
    "diagnose_latency_floor_ms": ("2500", 2500.0),
    "tags": ("nightly, pr-12", ("nightly", "pr-12")),
    "run_index_url": ("postgresql://ci@db.internal:5432/runs", "postgresql://ci@db.internal:5432/runs"),
    "trace_upload_url": (" s3://runs/ci ", "s3://runs/ci"),
    "trace_upload_keep_local": ("on", True),
    "trace_upload_timeout_seconds": ("12.5", 12.5),
    "run_index_timeout_seconds": ("2.5", 2.5),
}


@pytest.mark.parametrize("key", KEYS)
def test_every_key_is_settable_from_the_environment(tmp_path, key):
    text, expected = ENV_SAMPLES[key]
    name = ENV_PREFIX + key.upper()
    resolved = load_settings({name: text}, tmp_path)
    assert (getattr(resolved.settings, key), resolved.sources[key]) == (expected, f"env {name}")


@pytest.mark.parametrize(("text", "expected"), [("1", True), ("On", True), ("YES", True), ("0", False), ("off", False)])
def test_env_bool_words(text, expected):
    assert parse_value("redact", text, from_env=True, where="env") is expected


def test_bad_regex_names_the_key_its_index_and_the_engines_message():
    with pytest.raises(ConfigError) as caught:
        parse_value("redact_patterns", ["ok", "(abc"], from_env=False, where="f:1:1")
    assert 'redact_patterns[1]: "(abc" cannot be run by RE2 (missing ): (abc)' in str(caught.value)


def test_unknown_component_suggests_the_closest():
    with pytest.raises(ConfigError, match='"lm" is not a component \\(did you mean "llm"\\?\\)'):
        parse_value("default_components", ["lm"], from_env=False, where="f")


def test_custom_event_types_are_accepted():
    assert parse_value("default_event_types", ["custom_x"], from_env=False, where="f") == ("custom_x",)


def test_unknown_event_type_is_an_error():
    with pytest.raises(ConfigError, match="is not an event type"):
        parse_value("default_event_types", ["llm_called"], from_env=False, where="f")


def test_price_override_needs_input_and_output():
    with pytest.raises(ConfigError, match='"m" needs exactly "input" and "output"'):
        parse_value("price_overrides", {"m": {"input": 1}}, from_env=False, where="f")


def test_negative_price_is_an_error():
    with pytest.raises(ConfigError, match='"m".output = -1 is not a number from 0 to 1000000'):
        parse_value("price_overrides", {"m": {"input": 1, "output": -1}}, from_env=False, where="f")


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("min_duration_ms", -1),
        ("sample_rate", 0),
        ("sample_rate", 1.5),
        ("buffer_size", 0),
        ("flush_interval_seconds", 0),
        ("max_trace_file_size_mb", 0),
        ("max_events_per_file", -1),
        ("max_files_per_run", -1),
        ("trace_retention_days", -1),
        ("max_payload_size", 255),
        ("trace_output_dir", ""),
    ],
)
def test_values_outside_their_range_are_errors(key, raw):
    with pytest.raises(ConfigError, match=f"^f: {key} = "):
        parse_value(key, raw, from_env=False, where="f")


# ---------------------------------------------------------------- serialisation and starter file


def test_to_dict_is_json_with_lists():
    settings = Settings(default_components=("llm",), price_overrides={"m": {"input": 1.0, "output": 2.0}})
    data = json.loads(json.dumps(settings.to_dict()))
    assert (list(data), data["default_components"]) == (list(KEYS), ["llm"])


def test_starter_config_has_every_key_at_its_default(tmp_path):
    write_config(tmp_path, starter_config())
    resolved = load_settings({}, tmp_path)
    assert (resolved.settings, resolved.warnings, set(json.loads(starter_config()))) == (Settings(), (), set(KEYS))


def test_committed_workspace_file_is_valid_and_disabled():
    resolved = load_settings({}, REPO_ROOT, config_path=REPO_ROOT / WORKSPACE_FILE)
    assert (resolved.settings.enabled, resolved.warnings) == (False, ())


def test_committed_workspace_file_is_a_short_example_that_prices_the_example_models():
    """Not every key pinned (so `config show` shows defaults too), and the examples' models priced."""
    resolved = load_settings({}, REPO_ROOT, config_path=REPO_ROOT / WORKSPACE_FILE)
    assert "default" in resolved.sources.values()
    assert {"fake-gpt", "fake-gpt-mini"} <= set(resolved.settings.price_overrides)


def test_importing_config_pulls_in_no_cli_libraries():
    code = (
        "import namel3ss_debug.config, sys; "
        "assert not {'click', 'rich', 'prompt_toolkit', 'psutil'} & set(sys.modules), "
        "sorted({'click', 'rich', 'prompt_toolkit', 'psutil'} & set(sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_setting_has_a_rule_and_every_rule_a_setting():
    assert tuple(SPECS) == KEYS


def test_a_redact_key_without_ascii_letters_or_digits_is_a_bad_value():
    with pytest.raises(ConfigError) as error:
        parse_value("redact_keys", ["\u043f\u0430\u0440\u043e\u043b\u044c"], from_env=False, where="test")
    assert "no ASCII letter or digit" in str(error.value)


def test_capture_http_is_all_llm_or_off(tmp_path):
    assert load_settings({}, tmp_path).settings.capture_http == "all"
    assert load_settings({"NAMEL3SS_DEBUG_CAPTURE_HTTP": "off"}, tmp_path).settings.capture_http == "off"
    with pytest.raises(ConfigError) as error:
        load_settings({"NAMEL3SS_DEBUG_CAPTURE_HTTP": "some"}, tmp_path)
    assert 'capture_http = "some": expected a non-empty string ("all", "llm" or "off")' in str(error.value)
