"""Views of records on a Rich Console the CLI passes in. Nothing here exits, reads argv or builds a Console
(except `console.make_console`, which `cli/` calls)."""
