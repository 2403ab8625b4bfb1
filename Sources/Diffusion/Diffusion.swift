// The Diffusion module; see DESIGN.md.
