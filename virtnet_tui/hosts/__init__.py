"""The one door to the system: the real host, a sandbox folder, a network namespace."""
