"""The upload's settings: where finished runs go, whether their local files stay, how long a run's end waits."""

from __future__ import annotations

import json

import pytest

from namel3ss_debug.config import WORKSPACE_FILE, load_settings
from namel3ss_debug.model.errors import ConfigError


def test_the_bucket_is_named_in_the_file_or_the_environment(tmp_path):
    (tmp_path / WORKSPACE_FILE).parent.mkdir()
    (tmp_path / WORKSPACE_FILE).write_text(json.dumps({"trace_upload_url": "s3://runs/ci"}), encoding="utf-8")
    from_file = load_settings({}, tmp_path)
    from_env = load_settings({"NAMEL3SS_DEBUG_TRACE_UPLOAD_URL": "s3://runs/nightly",
                              "NAMEL3SS_DEBUG_TRACE_UPLOAD_KEEP_LOCAL": "yes",
                              "NAMEL3SS_DEBUG_TRACE_UPLOAD_TIMEOUT_SECONDS": "5"}, tmp_path)
    assert from_file.settings.trace_upload_url == "s3://runs/ci"
    assert (from_env.settings.trace_upload_url, from_env.settings.trace_upload_keep_local,
            from_env.settings.trace_upload_timeout_seconds) == ("s3://runs/nightly", True, 5.0)
    assert from_env.sources["trace_upload_url"] == "env NAMEL3SS_DEBUG_TRACE_UPLOAD_URL"


def test_by_default_nothing_is_sent(tmp_path):
    resolved = load_settings({}, tmp_path)
    assert (resolved.settings.trace_upload_url, resolved.settings.trace_upload_keep_local,
            resolved.settings.trace_upload_timeout_seconds) == ("", False, 30.0)


def test_an_empty_url_in_the_file_sends_nothing(tmp_path):
    (tmp_path / WORKSPACE_FILE).parent.mkdir()
    (tmp_path / WORKSPACE_FILE).write_text('{"trace_upload_url": ""}', encoding="utf-8")
    assert load_settings({}, tmp_path).settings.trace_upload_url == ""


def test_a_url_with_credentials_is_an_error_naming_the_variable(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings({"NAMEL3SS_DEBUG_TRACE_UPLOAD_URL": "s3://KEY:SECRET@runs"}, tmp_path)
    assert str(raised.value).startswith("NAMEL3SS_DEBUG_TRACE_UPLOAD_URL: trace_upload_url = ")
    assert "credentials" in str(raised.value)


def test_a_bucket_as_trace_output_dir_is_refused_and_the_upload_setting_named(tmp_path):
    with pytest.raises(ConfigError, match="trace_upload_url"):
        load_settings({}, tmp_path, overrides={"trace_output_dir": "s3://runs/ci"})


def test_a_traced_app_leaves_a_bad_url_out_and_says_so(tmp_path):
    resolved = load_settings({"NAMEL3SS_DEBUG_TRACE_UPLOAD_URL": "hdfs://runs"}, tmp_path, lenient=True)
    assert resolved.settings.trace_upload_url == ""
    assert len(resolved.ignored) == 1 and "hdfs://" in resolved.ignored[0]


@pytest.mark.parametrize("url", ["gs://team_runs/ci", "az://team-runs/ci"])
def test_google_s_and_azure_s_stores_are_sent_to(tmp_path, url):
    assert load_settings({"NAMEL3SS_DEBUG_TRACE_UPLOAD_URL": url}, tmp_path).settings.trace_upload_url == url


@pytest.mark.parametrize("seconds", ["0", "-1", "3601"])
def test_the_wait_is_bounded(tmp_path, seconds):
    with pytest.raises(ConfigError, match="trace_upload_timeout_seconds"):
        load_settings({"NAMEL3SS_DEBUG_TRACE_UPLOAD_TIMEOUT_SECONDS": seconds}, tmp_path)
