"""`configure(key=value)` given an object that fails when it is looked at: a ConfigError (exit 2 at the command
line, the documented exception from code), never the object's own exception."""

from __future__ import annotations

import pytest
from support.hostileobjects import HOSTILE

import namel3ss_debug as api
from namel3ss_debug.model.errors import ConfigError

KEYS = ("enabled", "trace_output_dir", "sample_rate", "min_duration_ms", "redact_keys", "capture_http", "exporters",
        "price_overrides", "max_payload_size", "default_components")


@pytest.mark.parametrize("hostile", HOSTILE, ids=list(HOSTILE))
@pytest.mark.parametrize("key", KEYS)
def test_configure_given_a_hostile_value_raises_only_config_error(tmp_path, monkeypatch, key, hostile):
    monkeypatch.chdir(tmp_path)
    try:
        api.configure(**{key: HOSTILE[hostile]()})
    except ConfigError as error:
        assert error.key == key or key in error.message
    finally:
        api.get_tracer().end_run()
