"""Typed events and the bus that carries them."""
