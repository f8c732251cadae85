"""Views of the debugger shell's records (replay)."""
