"""ocs adapter."""
