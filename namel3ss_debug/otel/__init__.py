"""OpenTelemetry as every layer sees it (pure, stdlib only): our spans as OpenTelemetry spans (`spans`), the GenAI
semantic-convention attributes (`genai`), attribute values (`attributes`) and what an OpenTelemetry span was
beside what it means to us (`passthrough`)."""
