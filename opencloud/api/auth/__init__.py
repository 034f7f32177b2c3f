"""auth adapter."""
