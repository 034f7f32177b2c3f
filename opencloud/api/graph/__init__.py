"""graph adapter."""
