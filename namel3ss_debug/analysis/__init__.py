"""Pure functions: events in, frozen records out. No printing, no files, no clock reads."""
