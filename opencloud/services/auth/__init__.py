"""Users, groups, credentials: who is asking."""
