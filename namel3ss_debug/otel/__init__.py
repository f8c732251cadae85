"""OpenTelemetry as the shared vocabulary sees it (pure): our spans as OpenTelemetry spans (`spans`), the GenAI
semantic-convention attributes (`genai`), attribute values (`attributes`) and what an OpenTelemetry span was
beside what it means to us (`passthrough`)."""
