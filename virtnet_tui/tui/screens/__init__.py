"""The Textual screens of the wizard, one per module."""
