"""Reusable widgets of the wizard, one per module."""
