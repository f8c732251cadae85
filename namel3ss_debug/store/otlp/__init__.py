"""OTLP/JSON read as our events: the documents' spans checked and decoded (`documents`), turned into v1 events
(`reader`), our own fields restored from the attributes our export writes (`restore`), the spans held on disk
until the file ends (`spill`), a very long line read a span at a time (`lazy`)."""
