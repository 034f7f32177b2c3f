"""trash (in progress)."""
