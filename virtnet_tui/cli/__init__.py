"""One module per subcommand; each has ``register(subparsers)`` and imports its work lazily."""

from __future__ import annotations

#: Subcommand modules, in the order ``--help`` lists them.
MODULES = ("recommend", "plan", "apply", "rollback", "status", "dhcp_host", "forward", "attach")
