"""Settings: the typed schema and (protected) the loader."""
