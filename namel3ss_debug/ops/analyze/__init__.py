"""`analyze`: the report of some runs, the one big run read by two processes."""
