"""The diagnosis thresholds come from the `diagnose_*` config keys: every field has its key, and a value set in
the environment reaches the rules."""

from __future__ import annotations

from dataclasses import fields

import pytest

from namel3ss_debug.analysis.thresholds import SETTINGS, Thresholds, thresholds_from
from namel3ss_debug.config import KEYS, load_settings
from namel3ss_debug.model.errors import ConfigError


def test_every_threshold_has_a_config_key() -> None:
    assert sorted(SETTINGS) == sorted(field.name for field in fields(Thresholds))
    assert set(SETTINGS.values()) <= set(KEYS)


def test_a_key_set_in_the_environment_reaches_the_thresholds(tmp_path) -> None:
    resolved = load_settings({"NAMEL3SS_DEBUG_DIAGNOSE_TOOL_FAILURES": "5",
                              "NAMEL3SS_DEBUG_DIAGNOSE_DOMINANT_SHARE": "0.75"}, tmp_path)
    thresholds = thresholds_from(resolved.settings)
    assert (thresholds.tool_failures, thresholds.dominant_share, thresholds.loop_repeats) == (5, 0.75, 3)


@pytest.mark.parametrize(("key", "text"), [("DIAGNOSE_TOOL_FAILURES", "1"), ("DIAGNOSE_CONTEXT_SHARE", "1.5"),
                                           ("DIAGNOSE_BURST_WINDOW_MS", "0")])
def test_a_threshold_out_of_range_is_refused_naming_the_key(tmp_path, key: str, text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({f"NAMEL3SS_DEBUG_{key}": text}, tmp_path)
    assert key.lower() in str(caught.value)
