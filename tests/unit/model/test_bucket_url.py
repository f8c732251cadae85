"""`trace_upload_url` read as a bucket and a prefix, and the URLs refused before anything is sent."""

from __future__ import annotations

import pytest

from namel3ss_debug.model.bucket_url import BucketUrl, looks_like_url, parse_bucket_url


@pytest.mark.parametrize(("text", "bucket", "prefix"), [
    ("s3://runs", "runs", ""),
    ("s3://runs/", "runs", ""),
    ("s3://runs/ci/nightly/", "runs", "ci/nightly"),
    ("S3://my.team-runs//ci", "my.team-runs", "ci"),
])
def test_a_url_is_a_bucket_and_a_prefix_without_slashes_at_its_ends(text, bucket, prefix):
    assert parse_bucket_url(text) == BucketUrl("s3", bucket, prefix)


@pytest.mark.parametrize(("text", "scheme", "bucket"), [
    ("gs://team_runs/ci", "gs", "team_runs"),  # Google's names may hold underscores
    ("az://team-runs/ci", "az", "team-runs"),
])
def test_google_s_and_azure_s_stores_are_sent_to_by_their_own_names_rules(text, scheme, bucket):
    assert parse_bucket_url(text) == BucketUrl(scheme, bucket, "ci")


def test_an_object_lies_under_the_prefix_by_its_file_name():
    assert parse_bucket_url("s3://runs/ci/").url("R.0000.jsonl") == "s3://runs/ci/R.0000.jsonl"
    assert parse_bucket_url("s3://runs").url("R.0000.jsonl") == "s3://runs/R.0000.jsonl"
    assert parse_bucket_url("s3://runs//ci//").url() == "s3://runs/ci"


@pytest.mark.parametrize(("text", "said"), [
    ("runs/ci", "not a URL"),
    ("hdfs://runs/ci", "not hdfs://"),
    ("az://team.runs/ci", "is not a bucket name for az://"),
    ("az://team--runs/ci", "single hyphens"),
    ("s3://team_runs/ci", "is not a bucket name for s3://"),
    ("s3://AKIAKEY:secret@runs/ci", "credentials"),
    ("s3://Runs_Bucket/ci", "is not a bucket name"),
    ("s3://runs/ci/../other", ". or .."),
    ("s3://runs/ci?versionId=1", "query"),
    ("s3://runs/" + "p" * 1000, "longer than"),
])
def test_a_url_that_cannot_be_sent_to_says_why(text, said):
    with pytest.raises(ValueError, match=said.replace("?", r"\?").replace(".", r"\.")):
        parse_bucket_url(text)


@pytest.mark.parametrize(("text", "url"), [("s3://runs", True), ("https://x/y", True), ("debug/traces", False),
                                           ("C:\\traces", False), ("./s3:/x", False)])
def test_a_url_is_told_from_a_path(text, url):
    assert looks_like_url(text) is url
