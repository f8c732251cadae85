"""The run index and what reads it: `runs` (the list, its filters, the trend) and `view DIR` (the list page)."""
