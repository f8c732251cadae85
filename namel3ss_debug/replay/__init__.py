"""Replay: step through a recorded run (a pure engine, its commands and the console)."""
