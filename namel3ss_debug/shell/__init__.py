"""The debugger shell: reads commands, runs them on a replay or a rerun session, writes the answers."""
