"""End-to-end tests: the wizard applies real plans inside network namespaces."""
