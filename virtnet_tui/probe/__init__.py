"""Read-only facts about a host, for the recipes and the wizard's questions."""
