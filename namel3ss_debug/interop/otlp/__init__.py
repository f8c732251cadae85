"""A recorded run out as OTLP: through the SDK's exporter to a receiver (`sdk_export`), or as OTLP/JSON lines as
the Collector's file exporter writes them (`json_lines`)."""
