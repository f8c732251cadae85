"""Views of `inspect`'s records."""
