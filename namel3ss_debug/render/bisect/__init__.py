"""`bisect`'s report as text and as JSON."""
