"""her2 layer (see DESIGN.md)."""
