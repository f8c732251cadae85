"""Views of `analyze`'s records."""
