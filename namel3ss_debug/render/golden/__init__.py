"""Views of `golden status`'s record."""
