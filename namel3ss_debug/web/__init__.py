"""The page `view` serves on loopback, and what it serves it from."""
