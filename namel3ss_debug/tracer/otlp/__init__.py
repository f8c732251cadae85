"""The tracer's OTLP: live export of a run's spans as they end (`live`), the SDK's exporters made on demand
(`sdk`), and what a receiver's answer means (`answers`)."""
