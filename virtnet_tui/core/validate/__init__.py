"""Checks of single values (``fields``) and of whole answers (``answers``, by subject)."""
