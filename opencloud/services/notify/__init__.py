"""Live updates: who may hear of a change, and the streams that carry it.

``audience`` decides which users may see an event's item; ``streams`` keeps
each connected client's bounded queue; ``dispatch`` is the worker between the
event bus and the streams. The SSE adapter (``api/sse``) only writes what a
stream yields to the wire.
"""
