"""webdav adapter."""
