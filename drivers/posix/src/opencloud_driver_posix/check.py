"""check (in progress)."""
