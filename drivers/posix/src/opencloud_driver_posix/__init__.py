"""opencloud's posix driver: a plain tree, metadata in ``user.oc.*`` extended attributes."""
