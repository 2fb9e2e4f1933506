"""Checks of single values and of whole answers, each finding naming its field."""
