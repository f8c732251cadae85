"""`analyze`: the report of some runs, read in one pass."""
