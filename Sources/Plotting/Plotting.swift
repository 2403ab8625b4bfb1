// The Plotting module; see DESIGN.md.
