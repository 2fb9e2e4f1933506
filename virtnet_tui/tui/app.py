"""The Textual app: the six steps of the wizard on top of one form state.

Only the Welcome screen is imported up front; the probe, the core and the other
screens load after the first frame, so the wizard opens as fast as a bare app.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from virtnet_tui.tui.screens.welcome import WelcomeScreen

if TYPE_CHECKING:
    from virtnet_tui.core.changes.managed import State
    from virtnet_tui.core.model import HostFacts, Situation
    from virtnet_tui.core.plan import Plan
    from virtnet_tui.core.planning import Prepared
    from virtnet_tui.executor.journal import RunInfo
    from virtnet_tui.executor.progress import EventSource
    from virtnet_tui.hosts.base import Host
    from virtnet_tui.probe.model import ProbeResult
    from virtnet_tui.wizard.form import WizardForm

#: The id of the "Quit the wizard?" dialog: q on it does not ask again.
QUIT_QUESTION = "quit-question"

#: The colour systems that cannot show Textual's default theme faithfully.
_FEW_COLOURS = frozenset({"standard", "windows"})


class WizardApp(App[int]):
    """virtnet-wizard's full-screen flow: Welcome, Situation, Recommendation, Parameters,
    Preview, Apply."""

    CSS_PATH = "app.tcss"
    TITLE = "virtnet-wizard"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "request_quit", "Quit"),
        Binding("ctrl+q", "request_quit", "Quit", show=False, priority=True),
        # Before Textual's own (copy the selection): over SSH, Ctrl+C is how one leaves.
        Binding("ctrl+c", "request_quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        host: Host,
        *,
        facts: HostFacts | None = None,
        situation: Situation | None = None,
        seed: Callable[[Path], object] | None = None,
        apply_source: Callable[[Plan, Host], EventSource] | None = None,
        clock: Callable[[], float] = time.monotonic,
        ansi: bool | None = None,
        command: Sequence[str] = ("virtnet-wizard",),
    ) -> None:
        """Create the wizard for ``host``.

        Args:
            host: where files are read and, on apply, written.
            facts: skip the probe and use these facts (tests, answers files).
            situation: the situation answers to start from (default: the probe's guess).
            seed: called with the sandbox root before probing (the demo host).
            apply_source: starts an apply run; None means apply is not offered.
            clock: the clock of the apply run's confirmation deadlines.
            ansi: use the 16-colour ANSI theme; None picks it when the terminal has few colours.
            command: how the operator runs the wizard on this host (with ``--sandbox DIR``),
                for the commands the wizard suggests.
        """
        super().__init__()
        self.host = host
        self._form: WizardForm | None = None
        self.probe_result: ProbeResult | None = None
        self.probed = False
        self.managed_networks: tuple[str, ...] = ()
        self.apply_source = apply_source
        self.clock = clock
        self._preset_facts = facts
        self._preset_situation = situation
        self._seed = seed
        self._ansi = ansi
        self.command = tuple(command)
        self._runs_at_start: dict[str, tuple[str, tuple[str, ...]]] | None = None
        """The journal's runs when the wizard started: the quit question tells what changed."""
        self._preloading = False
        self._gc_held = False
        self._gc_frozen = False
        self.sub_title = host.describe()

    @property
    def form(self) -> WizardForm:
        """The operator's answers so far (made on first use: the first frame does not wait)."""
        if self._form is None:
            from virtnet_tui.wizard.form import WizardForm

            self._form = WizardForm()
        return self._form

    @property
    def prepared(self) -> Prepared | None:
        """The answers and plan the preview shows (None before the preview)."""
        return self.form.prepared

    def get_default_screen(self) -> Screen[Any]:
        """Welcome is the bottom of the stack: Back never goes below it."""
        return WelcomeScreen()

    def on_mount(self) -> None:
        few = self.console.color_system in _FEW_COLOURS
        if self._ansi or (self._ansi is None and few):
            self.theme = "ansi-dark"
        if self._preset_facts is not None:
            self._probe_done(None, self._preset_facts, (), None)
        else:
            # After the first frame: the probe's imports would compete with it for the GIL.
            self.call_after_refresh(self._probe)

    @work(thread=True, exclusive=True, group="probe")
    def _probe(self) -> None:
        """Seed the sandbox, probe the host and look for an earlier run, off the UI thread."""
        from virtnet_tui.probe.run import probe

        try:
            if self._seed is not None:
                self._seed(self.host.root)
            self._note_runs_at_start()
            result = probe(self.host)
        except Exception as exc:  # the probe promises not to raise; a bug must not stop the wizard
            problem = f"the probe failed: {type(exc).__name__}: {exc}"
            self.call_from_thread(self._probe_done, None, None, (problem,), None)
            return
        managed = _managed_state(self.host)
        self.call_from_thread(self._probe_done, result, result.facts, result.problems, managed)
        interrupted = _interrupted_runs(self.host)
        if interrupted:
            self.call_from_thread(self._offer_interrupted, interrupted[0])

    @work(thread=True, exclusive=True, group="preload", exit_on_error=False)
    def _preload(self) -> None:
        """Import the later steps' modules off the UI thread, so Next does not wait for them."""
        from virtnet_tui.tui.preload import preload

        self._note_runs_at_start()  # facts given up front: no probe has done it
        preload()
        self.call_from_thread(self._freeze_loaded)

    def _freeze_loaded(self) -> None:
        """Keep what is loaded now out of later garbage collections.

        The modules, the probe's result and Textual's caches are hundreds of thousands of
        objects that live as long as the wizard; every full collection would walk them
        again, and one that falls on a screen change adds tens of milliseconds to it.
        """
        gc.collect()
        gc.freeze()
        self._gc_frozen = True

    def on_unmount(self) -> None:
        # Leave the process's collector as it was found (tests run many apps in one).
        self._release_gc()
        if self._gc_frozen:
            gc.unfreeze()

    def _note_runs_at_start(self) -> None:
        """Read the journal's runs once, before the operator can start one."""
        from virtnet_tui.wizard.session import run_states

        if self._runs_at_start is None:
            self._runs_at_start = run_states(self.host)

    def _offer_interrupted(self, info: RunInfo) -> None:
        """A run left half done comes first: resume it or roll it back (docs/apply.md)."""
        from virtnet_tui.tui.screens.interrupted import InterruptedRunScreen

        self.push_screen(InterruptedRunScreen(info))

    def resume_run(self, run_id: str) -> None:
        """Continue an interrupted run on the apply screen."""
        from virtnet_tui.executor.journal import find_run
        from virtnet_tui.executor.stream import executor_events
        from virtnet_tui.managed.state import follow_runs
        from virtnet_tui.tui.screens.apply import ApplyScreen

        run = find_run(self.host, run_id)
        if run is None:
            self.notify(f"run {run_id} is gone", severity="error")
            return
        plan = run.plan()
        source = executor_events(
            self.host, plan, resume=run_id, ask_keep_earlier=True, runs_changed=follow_runs
        )
        self.push_screen(ApplyScreen(plan, source, clock=self.clock, where=self.host.describe()))

    def start_over(self) -> None:
        """After a run: back to Welcome with the host probed again (the re-run menu opens
        over it when the wizard manages networks there, as on a new start)."""
        self._hold_gc_until_drawn()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self._form = None
        self.probe_result = None
        self.probed = False
        self._probe_again()

    @work(thread=True, exclusive=True, group="probe")
    def _probe_again(self) -> None:
        """The host as the run left it: its facts and the networks the wizard manages."""
        from virtnet_tui.probe.run import probe

        managed = _managed_state(self.host)
        if self._preset_facts is not None:
            self.call_from_thread(self._probe_done, None, self._preset_facts, (), managed)
            return
        try:
            result = probe(self.host)
        except Exception as exc:  # as in _probe: a bug must not stop the wizard
            problem = f"the probe failed: {type(exc).__name__}: {exc}"
            self.call_from_thread(self._probe_done, None, None, (problem,), managed)
            return
        self.call_from_thread(self._probe_done, result, result.facts, result.problems, managed)

    def _probe_done(
        self,
        result: ProbeResult | None,
        facts: HostFacts | None,
        problems: tuple[str, ...],
        managed: State | None,
    ) -> None:
        from dataclasses import replace

        from virtnet_tui.core.model import HostFacts, Situation

        situation = self._preset_situation
        if situation is None and result is not None:
            from virtnet_tui.probe.run import suggest_situation

            suggested: dict[str, Any] = suggest_situation(result)
            situation = replace(Situation(), **suggested)
        self.probe_result = result
        self.form.set_facts(facts or HostFacts(), situation)
        self.form.probe_problems = problems
        self.form.managed = managed
        self.managed_networks = managed.names if managed else ()
        self.probed = True
        if not self._preloading:
            # What the later steps need loads while the operator reads what the probe found.
            self._preloading = True
            self.call_after_refresh(self._preload)
        screen = self.screen
        if isinstance(screen, WelcomeScreen):
            # Welcome may not be mounted yet (facts given up front): its on_mount asks again.
            screen.show_host()
            self.call_after_refresh(screen.show_host)
            if self.managed_networks:
                from virtnet_tui.tui.screens.rerun_menu import RerunMenuScreen

                # Over Welcome, which stays the bottom of the stack; the menu has no Back.
                self.push_screen(RerunMenuScreen(self.managed_networks))

    # --- navigation ------------------------------------------------------------------

    def _hold_gc_until_drawn(self) -> None:
        """No garbage collection until the next screen is drawn.

        A full collection takes tens of milliseconds; falling on a screen change, it
        would add them to the wait for the next screen. It runs once that is drawn.
        """
        if not gc.isenabled():
            return
        gc.disable()
        self._gc_held = True
        # After the next frame, whichever screen it shows; the timer, should none come.
        self.call_after_refresh(self._release_gc)
        self.set_timer(1.0, self._release_gc)

    def _release_gc(self) -> None:
        if self._gc_held:
            self._gc_held = False
            gc.enable()

    def go_step(self, screen: Screen[Any]) -> None:
        """Show ``screen`` over the current one (a step forward, or a re-run screen)."""
        self._hold_gc_until_drawn()
        self.push_screen(screen)

    def go_back(self) -> None:
        """Back one step; the form keeps every answer."""
        if len(self.screen_stack) > 1:
            self._hold_gc_until_drawn()
            self.pop_screen()

    def show_situation(self) -> None:
        from virtnet_tui.tui.screens.situation import SituationScreen

        self.go_step(SituationScreen())

    def show_recommendation(self) -> None:
        from virtnet_tui.tui.screens.recommendation import RecommendationScreen

        self.go_step(RecommendationScreen())

    def show_parameters(self) -> None:
        from virtnet_tui.tui.screens.parameters import ParametersScreen

        self.go_step(ParametersScreen())

    def show_preview(self) -> None:
        from virtnet_tui.tui.screens.preview import PreviewScreen

        self.go_step(PreviewScreen())

    def show_apply(self) -> None:
        from virtnet_tui.tui.screens.apply import ApplyScreen

        prepared = self.form.prepared
        if prepared is None or self.apply_source is None:
            return
        source = self.apply_source(prepared.plan, self.host)
        screen = ApplyScreen(prepared.plan, source, clock=self.clock, where=self.host.describe())
        self.go_step(screen)

    # --- quitting --------------------------------------------------------------------

    def _quit_question(self) -> str:
        """Quit the wizard? With what this session changed on the host, and how to undo it."""
        from virtnet_tui.wizard.session import quit_question, run_states, session_runs

        self._note_runs_at_start()
        before = self._runs_at_start or {}
        return quit_question(session_runs(before, run_states(self.host)), self.command)

    def action_request_quit(self) -> None:
        """Ask before quitting; an apply run in progress cannot be left."""
        from virtnet_tui.tui.dialogs.yes_no import YesNoDialog
        from virtnet_tui.tui.screens.apply import UNDO_NOW_QUESTION, ApplyScreen

        if self.screen.id in (QUIT_QUESTION, UNDO_NOW_QUESTION):
            return
        screen = self.screen
        if isinstance(screen, ApplyScreen) and not screen.finished:
            # Leaving now would leave a stage half applied, without the executor's rollback.
            if screen.pending is not None:
                screen.ask_undo_now()
            else:
                self.notify(
                    "Apply is running; wait for it to finish or roll back.", severity="warning"
                )
            return
        if getattr(self.screen, "busy", False):
            # A lease change, an attach or a rollback is half way: leaving now would
            # leave its run open (the next start would offer to finish it).
            self.notify("A change is being applied; wait for it to finish.", severity="warning")
            return
        if isinstance(self.screen, ApplyScreen):
            self.exit(self.screen.exit_code)
            return

        def done(quit: bool | None) -> None:
            if quit:
                self.exit(0)

        question = YesNoDialog(
            self._quit_question(),
            yes="Quit",
            no="Stay",
            yes_variant="error",
            id=QUIT_QUESTION,
        )
        self.push_screen(question, done)


def _interrupted_runs(host: Host) -> list[RunInfo]:
    """Runs a crash or a lost session left without an end."""
    from virtnet_tui.executor.apply import interrupted_runs

    try:
        return interrupted_runs(host)
    except Exception:  # a damaged journal must not stop the wizard; the CLI reports it
        return []


def _managed_state(host: Host) -> State | None:
    """Networks an earlier run of the wizard set up here: the re-run menu's cue."""
    from virtnet_tui.managed.state import load_state

    try:
        return load_state(host)
    except Exception:  # a damaged state must not stop the wizard; Welcome is the way in then
        return None
