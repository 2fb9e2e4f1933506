"""``python -m virtnet_tui``: the same as the ``virtnet-wizard`` command."""

from __future__ import annotations

from virtnet_tui.cli.main import main

raise SystemExit(main())
