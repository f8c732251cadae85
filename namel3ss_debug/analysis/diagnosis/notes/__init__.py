"""What the collector keeps of a run, which the rules and the blame read: its steps and the notes beside them."""
