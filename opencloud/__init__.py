"""opencloud: a self-hosted file sync & share server in the OpenCloud family."""

__version__ = "0.1.0"
