"""Views of `rerun`'s records."""
