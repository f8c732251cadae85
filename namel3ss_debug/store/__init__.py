"""Reading traces: a run's segments in order, tolerant of a torn last line."""
