// The Script module; see DESIGN.md.
