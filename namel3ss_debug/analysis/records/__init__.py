"""The records both the pass and the diagnosis hold, below both: neither imports the other to name them."""
