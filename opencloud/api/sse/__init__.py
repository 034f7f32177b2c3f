"""Live updates over server-sent events (``…/notifications/sse``)."""
