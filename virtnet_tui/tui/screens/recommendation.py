"""Step 3: the networks the advisor recommends, why, what lost, and the operator's pick."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Select, Static

from virtnet_tui.core.model import NETWORK_TYPES
from virtnet_tui.tui.screens.base import WizardScreen
from virtnet_tui.tui.widgets.dropdown import Dropdown
from virtnet_tui.wizard.questions import FAMILIES

if TYPE_CHECKING:
    from virtnet_tui.core.advisor import NetworkChoice, Recommendation

_FAMILY_LABEL = {value: label for label, value in FAMILIES}


def _bullets(mark: str, items: list[Text]) -> Table:
    """A list whose wrapped lines stay indented under their first line."""
    table = Table.grid(padding=(0, 1))
    table.add_column(width=len(mark), no_wrap=True)
    table.add_column(ratio=1)
    for item in items:
        table.add_row(mark, item)
    return table


def recommendation_view(rec: Recommendation) -> Group:
    """The advisor's answer laid out for reading: networks, reasons, alternatives, warnings."""
    count = len(rec.networks)
    parts: list[RenderableType] = [
        Text(f"Recommended: {count} network{'s' if count > 1 else ''}", style="bold")
    ]
    networks = []
    for choice in rec.networks:
        line = Text()
        line.append(choice.type, style="bold")
        line.append(f" ({_FAMILY_LABEL[choice.family]})")
        if choice.uplink:
            line.append(f" for the {choice.uplink} side")
        line.append(f" — handbook: {choice.section}\n", style="italic")
        line.append(choice.why)
        networks.append(line)
    parts.append(_bullets(" •", networks))
    parts.append(Text("Why", style="bold"))
    parts.append(_bullets(" •", [Text(reason) for reason in rec.reasons]))
    if rec.alternatives:
        parts.append(Text("Not chosen", style="bold"))
        alternatives = []
        for alt in rec.alternatives:
            line = Text()
            line.append(f"{alt.type}: ", style="bold")
            line.append(f"{alt.why_not} ")
            line.append(f"(handbook: {alt.section})", style="italic")
            alternatives.append(line)
        parts.append(_bullets(" •", alternatives))
    if rec.warnings:
        parts.append(Text("Warnings", style="bold"))
        parts.append(_bullets(" !", [Text(w) for w in rec.warnings]))
    return Group(*parts)


class ChoiceRow(Horizontal):
    """One network to set up: its type and the address families it carries."""

    def __init__(self, index: int, choice: NetworkChoice, *, removable: bool) -> None:
        super().__init__(classes="choice-row")
        self.index = index
        self.choice = choice
        self.removable = removable

    def compose(self) -> ComposeResult:
        i = self.index
        yield Label(f"Network {i + 1}", classes="choice-label")
        types = [(t, t) for t in NETWORK_TYPES]
        yield Dropdown(types, value=self.choice.type, id=f"type-{i}")
        yield Dropdown(FAMILIES, value=self.choice.family, id=f"family-{i}")
        yield Button(
            "Remove", id=f"remove-{i}", compact=True, classes="remove", disabled=not self.removable
        )


class RecommendationScreen(WizardScreen):
    """Shows the recommendation; the operator may keep it or pick other types."""

    STEP = 3
    AUTO_FOCUS = "#next"

    def compose_body(self) -> ComposeResult:
        rec = self.form.recommend()
        yield self.title_bar("what the handbook's guide suggests")
        with VerticalScroll(id="body"):
            yield Static(recommendation_view(rec), id="recommendation")
            yield Static("Networks to set up (change the type to pick another)", classes="section")
            # Composed with the screen, not mounted after it: one layout for the first frame.
            yield Vertical(*self._choice_rows(), id="choices")
            with Horizontal(classes="choice-actions"):
                yield Button("Add a network", id="add", compact=True)
                yield Button("Use the recommendation", id="reset", compact=True)

    def on_mount(self) -> None:
        self.set_next_enabled(bool(self.form.choices))

    def _choice_rows(self) -> list[ChoiceRow]:
        choices = self.form.choices
        return [ChoiceRow(i, c, removable=len(choices) > 1) for i, c in enumerate(choices)]

    async def _show_choices(self) -> None:
        box = self.query_one("#choices", Vertical)
        await box.remove_children()
        await box.mount_all(self._choice_rows())
        self.set_next_enabled(bool(self.form.choices))

    def _replace(self, index: int, type_: str | None = None, family: str | None = None) -> None:
        from dataclasses import replace

        from virtnet_tui.core.advisor import SECTIONS

        choices = list(self.form.choices)
        old = choices[index]
        new_type = type_ or old.type
        new_family = family or old.family
        if (new_type, new_family) == (old.type, old.family):
            return
        choices[index] = replace(
            old,
            type=new_type,  # type: ignore[arg-type]
            family=new_family,  # type: ignore[arg-type]
            why="Chosen by the operator.",
            section=SECTIONS[new_type],  # type: ignore[index]
        )
        self.form.choose(tuple(choices))

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        widget_id = event.select.id or ""
        kind, _, index = widget_id.partition("-")
        if not isinstance(event.value, str) or not index.isdigit():
            return
        if kind == "type":
            self._replace(int(index), type_=event.value)
        elif kind == "family":
            self._replace(int(index), family=event.value)

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or ""
        if button == "add":
            event.stop()
            await self._add()
        elif button == "reset":
            event.stop()
            rec = self.form.recommendation
            if rec is not None:
                self.form.choose(rec.networks)
            await self._show_choices()
        elif button.startswith("remove-"):
            event.stop()
            index = int(button.removeprefix("remove-"))
            choices = list(self.form.choices)
            if len(choices) > 1:
                del choices[index]
                self.form.choose(tuple(choices))
                await self._show_choices()
        else:
            await super().on_button_pressed(event)

    async def _add(self) -> None:
        from virtnet_tui.core.advisor import SECTIONS, NetworkChoice

        extra = NetworkChoice("nat", "ipv4", "Added by the operator.", SECTIONS["nat"])
        self.form.choose((*self.form.choices, extra))
        await self._show_choices()
        self.query_one(f"#type-{len(self.form.choices) - 1}", Select).focus()

    def go_next(self) -> None:
        self.wizard.show_parameters()
