// The REPL module; see DESIGN.md.
