"""A recorded run as rows of three Parquet tables, runs, spans and events (`export --to parquet DIR`).

`columns.py` reads the tables' columns from the schema the package ships (`schemas/parquet-v1.schema.json`), so
the files, the docs and the tests have one source; `rows.py` turns a run's events into span and event rows (pure:
the spans are `otel/spans.SpanConverter`'s, the OTLP export's); `arrow.py` loads pyarrow (the `parquet` extra) and
makes the rows tables and files. Where the files go, and which are replaced, is `ops/parquet_dataset.py`'s.
"""
