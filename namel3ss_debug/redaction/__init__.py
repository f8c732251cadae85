"""Secrets found and hidden: credential detectors, `password=...` pairs, the pre-scan of a serialized line, and the
redactor. The tracer calls it before an event reaches disk; `check`, `redact`, `scrub` and the launcher call it too."""
