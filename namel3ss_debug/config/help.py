"""What each setting means and which values it takes: the text of the settings table in the manual (the docs
site's hook makes the table from `config.Settings` and this; a test holds the two keys alike)."""

from __future__ import annotations

KEY_HELP: dict[str, str] = {
    "enabled": (
        'Start a run when `namel3ss_debug` is imported ([Record a run](record.md)). `trace` forces it on.'
    ),
    "trace_output_dir": (
        'Directory for trace files; created when needed. Non-empty; `~` is expanded. Outside `.namel3ss/`, '
        "which the namel3ss runtime's own `n3 clean` deletes. The reading commands look up run ids and the "
        'newest run here.'
    ),
    "trace_upload_url": (
        'Send each finished run\'s segments to this bucket, as `PREFIX/<file name>`: `s3://BUCKET` or '
        '`s3://BUCKET/PREFIX` (any S3-compatible store: `AWS_ENDPOINT_URL_S3`), `gs://BUCKET[/PREFIX]` (Google Cloud '
        'Storage) or `az://CONTAINER[/PREFIX]` (Azure Blob Storage). Empty: no upload. Needs the `s3`, `gcs` or '
        '`azure` extra; credentials come from the store\'s usual places (the environment, an AWS profile, gcloud\'s, '
        'Azure\'s), never from this file. A run that cannot be sent stays in `trace_output_dir`, and the next run\'s '
        'end sends it ([Send runs to a bucket](record.md#send-runs-to-a-bucket)).'
    ),
    "trace_upload_keep_local": (
        'Keep a run\'s local files once its upload is confirmed (by default they are removed then).'
    ),
    "trace_upload_timeout_seconds": (
        'The most a run\'s end waits for its uploads and, with `run_index_url`, its indexing (and those earlier '
        'runs left). > 0 and <= 3600; what is not sent and indexed by then stays local for the next run.'
    ),
    "default_components": (
        'Record only these components: `app`, `agent`, `llm`, `tool`, `prompt`, `chain`, `memory`, '
        '`validation`, `http`, `custom`.'
    ),
    "default_event_types": (
        'Record only these event types ([The trace format](trace-format.md)), or names starting with '
        '`custom_`.'
    ),
    "min_duration_ms": (
        'Drop spans shorter than this (failed spans are kept). 0 to 31536000000 (8760h); 0 keeps all.'
    ),
    "sample_rate": (
        'Fraction of top-level spans recorded, each with everything under it. > 0 and <= 1.'
    ),
    "buffer_size": (
        'Events buffered in memory before a write. 1 to 1000000; 1 writes every event at once.'
    ),
    "flush_interval_seconds": (
        'A background thread writes the buffer this often. > 0 and <= 86400 (a day).'
    ),
    "max_trace_file_size_mb": (
        'Start a new segment before a file would pass this size (MiB). > 0.'
    ),
    "max_events_per_file": (
        'Start a new segment after this many lines (`segment_start` included). >= 0; 0 = no limit.'
    ),
    "max_files_per_run": (
        'Keep only the newest N segments of a run, deleting older ones as new ones start. >= 0; 0 = keep all.'
    ),
    "trace_retention_days": (
        'Trace files older than this are deleted when a run starts and by `clean`. >= 0; 0 = keep forever.'
    ),
    "max_payload_size": (
        'Bytes of JSON allowed in each of `inputs`, `outputs`, `attrs` and `error` of an event before it is '
        'truncated. >= 256.'
    ),
    "capture_inputs": (
        'Write `inputs` on span start events and memory events.'
    ),
    "capture_outputs": (
        'Write `outputs` on span end events.'
    ),
    "capture_memory": (
        'Write `memory_mb` (resident set size, sampled at most every 50 ms) on end and instant events. Needs '
        'psutil; without it the run records no memory.'
    ),
    "capture_stack_traces": (
        'Write `error.stack`, the formatted traceback.'
    ),
    "redact": (
        'Replace secrets before writing ([Redaction and secrets](redaction.md)).'
    ),
    "redact_keys": (
        'More key names whose values are secrets, added to the built-in ones. Each needs an ASCII letter or '
        'digit (keys are compared in ASCII).'
    ),
    "redact_patterns": (
        'More regular expressions whose matches are secrets, in RE2 syntax (run in time linear in the text: no '
        'look-arounds or backreferences). One RE2 refuses is an error naming `redact_patterns[i]`. At most '
        '100 patterns of at most 2,000 characters each: each is compiled at a run\'s start and tried on every '
        'string that holds a match.'
    ),
    "capture_http": (
        'HTTP requests recorded at the client ([Frameworks and LLM clients](frameworks.md)): `"all"` (LLM API '
        'calls as `llm` spans, other requests as `http` spans), `"llm"` (LLM API calls only) or `"off"`.'
    ),
    "price_overrides": (
        'Prices for `cost_usd`, in USD per million tokens: `{"gpt-4o": {"input": 2.5, "output": 10}}`. Each '
        'model needs exactly `input` and `output`, numbers >= 0. `analyze` also prices with them the calls '
        'recorded without `cost_usd` ([Read a run: analyze](analyze.md)).'
    ),
    "exporters": (
        'Where a run\'s events go while the app runs: `"jsonl"` (the trace file; always, and listed first or '
        'not) and `"otlp"` (each span sent live to an OpenTelemetry receiver, set by the standard '
        '`OTEL_EXPORTER_OTLP_*` variables; needs the `otel` extra; [OpenTelemetry and Perfetto: '
        'export](export.md)). A list without `"jsonl"` exits with 2.'
    ),
    "diagnose_tool_failures": (
        'A tool failing this many times with the same error type in one agent is `tool_failing_repeatedly` '
        '([Diagnose a run](diagnose.md)). 2 to 1000000.'
    ),
    "diagnose_missing_tool_asks": (
        'The model asking this many times in one agent for a tool the app does not have (not offered, or '
        'answered "no such tool") is `missing_tool` ([Diagnose a run](diagnose.md)). 2 to 1000000.'
    ),
    "diagnose_loop_repeats": (
        'The same call with the same inputs this many times is a `call_loop`; this many answers in a row that '
        'repeat earlier ones, with no new tool result, is `no_progress` ([Diagnose a run](diagnose.md)). '
        '2 to 1000000.'
    ),
    "diagnose_handoff_cycles": (
        'This many round trips between two agents with no new tool result or answer is a `handoff_loop`. '
        '1 to 1000000.'
    ),
    "diagnose_context_share": (
        'A prompt this share of its model\'s context window is `context_near_limit`. > 0 and <= 1.'
    ),
    "diagnose_growth_turns": (
        'This many LLM calls in a row, each with a longer prompt, is `prompt_growth`. 2 to 1000000.'
    ),
    "diagnose_backoff_ms": (
        'A failed call tried again sooner than this (ms) is a retry without back-off '
        '(`retry_without_backoff`). 0 to 31536000000.'
    ),
    "diagnose_rate_limit_burst": (
        'This many rate-limit errors within `diagnose_burst_window_ms` is a `rate_limit_burst`. 2 to 1000000.'
    ),
    "diagnose_burst_window_ms": (
        'The window (ms) `diagnose_rate_limit_burst` counts rate-limit errors in. > 0.'
    ),
    "diagnose_min_saving_ms": (
        'Time (ms) running calls at once (`parallelizable_calls`) or caching them (`cacheable_calls`) must '
        'save to be said (calls that are most of the run\'s time: a fifth of it). 0 to 31536000000.'
    ),
    "diagnose_dominant_share": (
        'One call\'s or model\'s share of the run\'s cost or time past which it dominates (`dominant_cost`, '
        '`dominant_latency`); calls a cache or running them at once would save, that share of the run, are a '
        'warning (`cacheable_calls`, `parallelizable_calls`). > 0 and <= 1.'
    ),
    "diagnose_slow_tool_share": (
        'A tool\'s share of the critical path past which it is `slow_tool_on_critical_path`. > 0 and <= 1.'
    ),
    "diagnose_latency_floor_ms": (
        'How much longer (ms) than its operation\'s median a span must take for `analyze`\'s `latency` anomaly '
        'to be critical (a tenth of it for a warning), whatever the ratio: a slowdown a user notices '
        '([Read a run: analyze](analyze.md)). 0 to 31536000000.'
    ),
    "tags": (
        'Labels written into each run\'s `run_start.attrs.tags` (`trace --tag` adds more), shown by `analyze` '
        '(`tags:`) and kept in the run index. Non-empty text of at most 200 characters each; redacted like '
        '`argv`.'
    ),
    "run_index_url": (
        'The run index in PostgreSQL, shared by a team: `postgresql://USER@HOST:PORT/DATABASE` (the `postgres` '
        'extra); empty: SQLite beside the traces ([Many runs: runs](runs.md), "A team\'s index in PostgreSQL"). '
        'The password comes from PGPASSWORD, ~/.pgpass, PGSERVICE or a URL in the environment: a URL with one '
        'in a workspace file is an error. Shown with its password masked. Each traced run is indexed there as it '
        'ends ([Record a run](record.md#into-the-teams-index-as-they-end)).'
    ),
    "run_index_timeout_seconds": (
        'The most the run index in PostgreSQL waits for the answer to one statement (and, up to 10 s, for a '
        'connection), a server that stopped answering included: past it the command fails in one line, exit 1, and '
        'a run\'s end keeps the run for the next end. > 0 and <= 3600 ([Many machines](many-machines.md#how-it-fails)).'
    ),
}
