"""Views of `verify`'s record."""
