"""Views of a `runs` listing: the terminal table, the trend, and the JSON and JSON Lines documents."""
