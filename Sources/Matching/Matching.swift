// The Matching module; see DESIGN.md.
