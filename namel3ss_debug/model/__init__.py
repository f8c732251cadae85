"""The domain vocabulary: events, components, schema version and errors. Stdlib only."""
