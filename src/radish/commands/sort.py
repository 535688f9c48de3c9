"""Sort commands (filled in by the data-types issue)."""
