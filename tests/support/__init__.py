"""Helpers shared by the tests: sandboxes, namespaces, golden files, validators, TUI drivers."""
