"""Business logic: synchronous, framework-free, reached by the API adapters."""
