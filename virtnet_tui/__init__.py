"""virtnet-wizard: set up libvirt/KVM networking with a preview and rollback."""

from __future__ import annotations

__version__ = "0.1.0"
