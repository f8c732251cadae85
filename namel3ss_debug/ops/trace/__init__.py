"""`trace`: what is checked before a run starts, and the run with its summary."""
