"""Shares of files and folders with users and groups."""
