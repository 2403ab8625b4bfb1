// The Benchmarks module; see DESIGN.md.
