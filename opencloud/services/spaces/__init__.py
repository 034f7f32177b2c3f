"""Spaces: which storage spaces a user may reach."""
