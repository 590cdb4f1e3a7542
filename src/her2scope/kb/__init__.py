"""kb layer (see DESIGN.md)."""
