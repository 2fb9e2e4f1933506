"""Pure renderers: one function per file format, model in, text out."""
