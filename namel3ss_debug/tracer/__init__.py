"""The tracer: spans in contextvars, a processor pipeline, and a rotating JSONL writer."""
