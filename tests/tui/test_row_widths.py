"""At 80 columns a lease's and a forward's values show whole on the Parameters screen."""

from __future__ import annotations

from pathlib import Path

from support.tui_driver import (
    CUSTOM_NAT_DEMO,
    demo_app,
    focus,
    press_next,
    run,
    screen_text,
    settle,
    type_into,
)
from textual.widgets import Input

MAC = "52:54:00:be:0a:f3"
IP = "192.168.100.150"
DUID = "00:01:00:01:1a:ff:2b:ff:52:54:00:8a:11:4c"


def test_lease_and_forward_rows_show_their_values_at_80_columns(tmp_path: Path) -> None:
    app = demo_app(tmp_path, situation=CUSTOM_NAT_DEMO)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for _ in range(3):
                await press_next(pilot)
            await focus(pilot, "n0-lease-add")
            await pilot.press("enter")
            await pilot.pause()
            typed = {
                "n0-lease0-mac": MAC,
                "n0-lease0-ip": IP,
                "n0-lease0-name": "web-frontend-01",
            }
            for widget_id, value in typed.items():
                await type_into(pilot, widget_id, value)
            await focus(pilot, "n0-fwd-add")
            await pilot.press("enter")
            await pilot.pause()
            forward = {
                "n0-fwd0-ports": "80, 443, 8080",
                "n0-fwd0-to": IP,
                "n0-fwd0-to_port": "8443",
            }
            for widget_id, value in forward.items():
                await type_into(pilot, widget_id, value)
            await pilot.press("tab")  # off the last field: nothing is scrolled inside it
            await pilot.pause()
            text = screen_text(app)
            lease = next(line for line in text.splitlines() if "Lease 1" in line)
            assert MAC in lease and IP in lease, text
            assert "web-frontend-01" in text
            fwd = next(line for line in text.splitlines() if "Forward 1" in line)
            for value in forward.values():
                assert value in fwd, text
            # A DUID (IPv6 leases) has room for all of it too.
            duid = app.screen.query_one("#n0-lease0-id", Input)
            assert duid.content_region.width >= len(DUID)

    run(scenario())
