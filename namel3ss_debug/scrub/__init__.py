"""Trace files redacted after the fact: what the tracer would have hidden, hidden in files already written."""
