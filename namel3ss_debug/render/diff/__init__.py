"""Views of `diff`'s records."""
