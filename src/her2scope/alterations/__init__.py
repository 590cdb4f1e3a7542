"""alterations layer (see DESIGN.md)."""
