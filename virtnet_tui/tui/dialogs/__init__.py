"""Modal dialogs of the full-screen wizard."""
