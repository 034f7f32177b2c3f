"""watcher (in progress)."""
