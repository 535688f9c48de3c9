"""Sets commands (filled in by the data-types issue)."""
