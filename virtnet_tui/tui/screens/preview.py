"""Step 5: every file (with its diff) and every command, by stage, before anything happens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Static, Tree

from virtnet_tui.core.plan import FileStep, LibvirtStep
from virtnet_tui.tui.screens.base import WizardScreen
from virtnet_tui.wizard.file_changes import FileChange, export_text, file_changes, lexer_for

if TYPE_CHECKING:
    from virtnet_tui.core.planning import Prepared

NodeKind = Literal["summary", "file", "stage", "step", "todo", "warning"]

#: Highlighting that uses the terminal's own 16 colours, readable on any of them.
SYNTAX_THEME = "ansi_dark"


@dataclass(frozen=True)
class NodeData:
    """What a tree node stands for."""

    kind: NodeKind
    index: int = 0


def _bold(text: str) -> Text:
    """A Text that starts bold; what is appended after it is not."""
    out = Text()
    out.append(text, style="bold")
    return out


def _syntax(code: str, lexer: str) -> Syntax:
    return Syntax(code, lexer, theme=SYNTAX_THEME, word_wrap=True, background_color="default")


class PreviewScreen(WizardScreen):
    """A tree of files, stages and to-dos; the pane beside it shows the one highlighted."""

    STEP = 5
    NEXT_LABEL = "Apply…"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "export_answers", "Export answers"),
        Binding("s", "export_script", "Export script"),
        Binding("a", "next", "Apply"),
    ]

    def __init__(self) -> None:
        super().__init__()
        prepared = self.form.prepared
        assert prepared is not None, "the Parameters step prepares the plan"
        self.prepared: Prepared = prepared
        self.changes: list[FileChange] = file_changes(prepared.plan, self.wizard.host)
        self.last_export = ""
        """The full path of the last file exported from here."""

    def compose_body(self) -> ComposeResult:
        plan = self.prepared.plan
        steps = sum(1 for _ in plan.steps())
        yield self.title_bar(f"{len(plan.stages)} stages, {steps} steps")
        with Horizontal(id="preview"):
            yield self._tree()
            with VerticalScroll(id="detail-scroll"):
                yield Static(self._summary(), id="detail")

    def compose_nav_extra(self) -> list[Widget]:
        return [
            Button("Export answers (e)", id="export-answers", compact=True),
            Button("Export script (s)", id="export-script", compact=True),
        ]

    def _tree(self) -> Tree[NodeData]:
        plan = self.prepared.plan
        tree: Tree[NodeData] = Tree("Plan", data=NodeData("summary"), id="plan-tree")
        tree.root.expand()
        files = tree.root.add(f"Files ({len(self.changes)})", data=NodeData("summary"))
        files.expand()
        for n, change in enumerate(self.changes):
            files.add_leaf(f"{change.path} [{change.status}]", data=NodeData("file", n))
        stages = tree.root.add(f"Commands by stage ({len(plan.stages)})", data=NodeData("summary"))
        stages.expand()
        numbered = list(plan.steps())
        for index, stage in enumerate(plan.stages, start=1):
            mark = " [RISKY]" if stage.risky else ""
            node = stages.add(f"{index}. {stage.name}{mark}", data=NodeData("stage", index))
            for number, owner, step in numbered:
                if owner is stage:
                    node.add_leaf(f"{number}. {step.describe()}", data=NodeData("step", number))
            node.add_leaf(f"✓ checkpoint {index}", data=NodeData("stage", index))
        if plan.todos:
            todos = tree.root.add(f"To do elsewhere ({len(plan.todos)})", data=NodeData("summary"))
            todos.expand()
            for n, todo in enumerate(plan.todos):
                todos.add_leaf(todo.title, data=NodeData("todo", n))
        if self.prepared.warnings:
            warnings = tree.root.add(
                f"Warnings ({len(self.prepared.warnings)})", data=NodeData("summary")
            )
            for n, warning in enumerate(self.prepared.warnings):
                warnings.add_leaf(warning[:60], data=NodeData("warning", n))
        return tree

    def on_mount(self) -> None:
        self.query_one("#plan-tree", Tree).focus()
        if self.wizard.apply_source is None:
            next_button = self.query_one("#next", Button)
            next_button.label = "Apply (not here)"
            self.set_next_enabled(False)

    # --- the detail pane ---------------------------------------------------------------

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        data = event.node.data
        if data is not None:
            self.query_one("#detail", Static).update(self.detail(data))
            self.query_one("#detail-scroll", VerticalScroll).scroll_home(animate=False)

    def detail(self, data: NodeData) -> RenderableType:
        """What the pane shows for a node."""
        if data.kind == "file":
            return self._file(self.changes[data.index])
        if data.kind == "stage":
            return self._stage(data.index)
        if data.kind == "step":
            return self._step(data.index)
        if data.kind == "todo":
            todo = self.prepared.plan.todos[data.index]
            text = _bold(f"{todo.title}\n")
            text.append(f"{todo.detail}\n")
            return Group(
                text, *([_syntax("\n".join(todo.commands), "bash")] if todo.commands else [])
            )
        if data.kind == "warning":
            return Text(f"! {self.prepared.warnings[data.index]}")
        return self._summary()

    def _summary(self) -> RenderableType:
        plan = self.prepared.plan
        text = _bold("Nothing has changed yet.\n")
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        for change in self.changes:
            counts[change.status] += 1
        text.append(
            f"{len(self.changes)} files ({counts['new']} new, {counts['changed']} changed, "
            f"{counts['unchanged']} unchanged), {sum(1 for _ in plan.steps())} steps in "
            f"{len(plan.stages)} stages; "
            f"{sum(1 for s in plan.stages if s.risky)} risky stages ask you to confirm.\n"
            "Highlight a file to see it and its diff, or a stage to see its commands.\n"
        )
        for warning in self.prepared.warnings:
            text.append(f"! {warning}\n")
        for todo in plan.todos:
            text.append(f"To do elsewhere: {todo.title}\n", style="bold")
        return text

    def _file(self, change: FileChange) -> RenderableType:
        head = _bold(f"{change.path}\n")
        head.append(f"mode {change.mode:04o}, {change.status}")
        if change.status == "new":
            head.append(" (the file does not exist on the host yet)")
        head.append("\n")
        parts: list[RenderableType] = [head]
        if change.status == "changed":
            parts += [
                _bold("Diff against the host's file:"),
                _syntax(change.diff(), "diff"),
            ]
        parts += [
            _bold("Planned content:"),
            _syntax(change.new, lexer_for(change.path, change.new)),
        ]
        return Group(*parts)

    def _stage(self, index: int) -> RenderableType:
        stage = self.prepared.plan.stages[index - 1]
        text = _bold(f"Stage {index}: {stage.name}\n")
        if stage.risky:
            text.append("RISKY: ", style="bold")
            text.append(
                f"{stage.why_risky or 'it can cut your connection'}. Apply asks you to "
                "confirm within a time limit and undoes the stage without an answer.\n"
            )
        for number, owner, step in self.prepared.plan.steps():
            if owner is stage:
                text.append(f"{number:3d}. {step.describe()}\n")
        for check in stage.checks:
            text.append(f"     check: {check.describe()}\n")
        text.append(f"Then checkpoint {index}: a rollback can stop here.\n", style="italic")
        return text

    def _step(self, number: int) -> RenderableType:
        for n, stage, step in self.prepared.plan.steps():
            if n != number:
                continue
            text = _bold(f"Step {n} ({stage.name})\n")
            text.append(f"{step.describe()}\n")
            if isinstance(step, FileStep):
                return Group(text, _syntax(step.content, lexer_for(step.path, step.content)))
            if isinstance(step, LibvirtStep) and step.xml:
                return Group(text, _syntax(step.xml, "xml"))
            undo = getattr(step, "undo", ())
            for argv in undo:
                text.append(f"undo: {' '.join(argv)}\n", style="italic")
            return text
        return Text("")

    # --- exports and apply -----------------------------------------------------------

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-answers":
            event.stop()
            self.action_export_answers()
        elif event.button.id == "export-script":
            event.stop()
            self.action_export_script()
        else:
            await super().on_button_pressed(event)

    def action_export_answers(self) -> None:
        from virtnet_tui.core.answers import answers_to_toml
        from virtnet_tui.tui.dialogs.export_dialog import ExportDialog

        text = answers_to_toml(self.prepared.answers, all_host_keys=True)
        self.app.push_screen(
            ExportDialog("the answers (TOML)", "virtnet-answers.toml"),
            lambda path: self._export(path, text, 0o644),
        )

    def action_export_script(self) -> None:
        from virtnet_tui.core.render.script import render_plan_script
        from virtnet_tui.tui.dialogs.export_dialog import ExportDialog

        text = render_plan_script(self.prepared.plan)
        self.app.push_screen(
            ExportDialog("the plan (bash script)", "virtnet-plan.sh"),
            lambda path: self._export(path, text, 0o755),
        )

    def _export(self, path: str | None, text: str, mode: int) -> None:
        if not path:
            return
        try:
            written = export_text(path, text, mode)
        except OSError as exc:
            self.notify(f"Could not save {path}: {exc.strerror or exc}", severity="error")
            return
        self.last_export = str(written)
        self.notify(f"Saved {written}", title="Exported")

    def go_next(self) -> None:
        from virtnet_tui.tui.dialogs.yes_no import YesNoDialog

        plan = self.prepared.plan
        steps = sum(1 for _ in plan.steps())
        risky = sum(1 for s in plan.stages if s.risky)
        text = (
            f"Apply {steps} steps in {len(plan.stages)} stages to "
            f"{self.wizard.host.describe()}?\n"
            f"A checkpoint follows each stage; a failure rolls back."
        )
        if risky:
            text += f"\n{risky} risky stage(s) will ask you to confirm that you can still see this."

        def done(apply: bool | None) -> None:
            if apply:
                self.wizard.show_apply()

        self.app.push_screen(YesNoDialog(text, yes="Apply", no="Not now"), done)
