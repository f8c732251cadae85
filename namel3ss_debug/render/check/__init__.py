"""Views of `check`'s records."""
