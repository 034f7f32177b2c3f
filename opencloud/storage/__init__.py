"""The storage port: what a driver is (Protocols, types) and how drivers are found."""
