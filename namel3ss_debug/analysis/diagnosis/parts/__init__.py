"""The diagnosis of a big run read in parts: each part's collector, and the join of the parts in the run's order."""
