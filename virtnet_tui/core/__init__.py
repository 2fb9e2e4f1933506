"""The pure core: answers, validation, the advisor, recipes, renderers and plans; no I/O."""
