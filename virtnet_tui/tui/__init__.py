"""The full-screen Textual wizard."""
