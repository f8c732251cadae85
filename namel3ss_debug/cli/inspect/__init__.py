"""`inspect`: the command, and the views' output: tables to the console (paged), JSON to stdout."""
