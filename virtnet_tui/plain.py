"""``virtnet-wizard --plain``: the wizard's questions asked line by line with questionary.

For serial consoles, ``TERM=dumb`` and anyone who does not want a full-screen app.
It walks the same form as the TUI (``wizard.form.WizardForm``), checks every
answer with the core as it is given, and ends with the plan as text
(``textreport.plan_text``) and an offer to export the answers and the plan.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

import questionary

from virtnet_tui.core.model import NETWORK_TYPES, Family, NetworkType, Situation
from virtnet_tui.hosts.base import Host
from virtnet_tui.wizard.form import NetworkForm, WizardForm
from virtnet_tui.wizard.labels import finding_line, screen_words
from virtnet_tui.wizard.questions import (
    FAMILIES,
    FORWARD_FIELDS,
    HOST_QUESTIONS,
    HOST_SECTION,
    LEASE_FIELDS,
    LEASE_HELP,
    SITUATION_QUESTIONS,
    NetworkField,
    Question,
    RowField,
    has_forwards,
    has_leases,
    network_fields,
)

if TYPE_CHECKING:
    from virtnet_tui.core.changes.managed import State


class PlainWizard:
    """The questions of the wizard, one after the other, on a plain terminal."""

    def __init__(
        self,
        host: Host,
        *,
        seed: Callable[[Path], object] | None = None,
        command: Sequence[str] = ("virtnet-wizard",),
        out: TextIO | None = None,
        **prompt_kwargs: Any,
    ) -> None:
        """``command`` is how the operator runs the wizard on this host (with ``--sandbox
        DIR`` for a sandbox), for the closing hint; ``prompt_kwargs`` go to every
        questionary prompt (``input=``, ``output=`` in tests)."""
        self.host = host
        self.seed = seed
        self.command = tuple(command)
        self.out = out or sys.stdout
        self.prompt_kwargs = prompt_kwargs
        self.form = WizardForm()

    # --- prompts -----------------------------------------------------------------------

    @property
    def _site(self) -> str:
        return self.form.situation.get("site", "dedicated")

    def _worded(self, reason: str | None) -> str | None:
        """A finding in the prompts' words (the fields' labels, not the answers file's keys)."""
        return None if reason is None else screen_words(reason, self._site)

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _select(self, message: str, choices: Sequence[tuple[str, str]], default: str) -> str:
        answer = questionary.select(
            message,
            choices=[questionary.Choice(label, value) for label, value in choices],
            default=next((c for c in choices if c[1] == default), choices[0])[1],
            use_shortcuts=True,
            **self.prompt_kwargs,
        ).unsafe_ask()
        return str(answer)

    def _text(self, message: str, default: str, check: Callable[[str], str | None]) -> str:
        def validate(value: str) -> bool | str:
            problem = check(value)
            return True if problem is None else problem

        answer = questionary.text(
            message, default=default, validate=validate, **self.prompt_kwargs
        ).unsafe_ask()
        return str(answer)

    def _confirm(self, message: str, default: bool) -> bool:
        return bool(
            questionary.confirm(message, default=default, **self.prompt_kwargs).unsafe_ask()
        )

    # --- the flow ----------------------------------------------------------------------

    def run(self) -> int:
        self.say("virtnet-wizard: set up libvirt/KVM networking, one question at a time.")
        self.say("Nothing on this host changes: this mode ends with the plan and exports.")
        self.probe()
        self.ask_situation()
        self.ask_networks()
        while not self.ask_parameters():
            self.say("Some answers do not work together; please go over them again.")
        prepared = self.form.prepare()
        from virtnet_tui.core.textreport import plan_text

        self.say()
        self.say(plan_text(prepared).rstrip("\n"))
        self.say()
        self.offer_exports()
        return 0

    def probe(self) -> None:
        from virtnet_tui.probe.run import probe, suggest_situation

        self.say(f"Looking at {self.host.describe()}...")
        if self.seed is not None:
            self.seed(self.host.root)
        result = probe(self.host)
        suggested: dict[str, Any] = suggest_situation(result)
        self.form.set_facts(result.facts, replace(Situation(), **suggested))
        self.form.probe_problems = result.problems
        self.form.managed = _managed_state(self.host)
        f = result.facts
        stack = f" ({f.netconfig})" if f.netconfig else ""
        self.say(
            f"Found {f.hostname}: {f.distro} {f.distro_version}{stack}, uplink "
            f"{f.uplink_interface} {f.ipv4 or '(no IPv4)'}"
        )
        for problem in result.problems:
            self.say(f"  ! {problem}")

    def _ask(self, section: str, question: Question) -> None:
        texts = self.form.situation if section == "situation" else self.form.host
        path = f"{section}.{question.key}"
        self.say()
        self.say(f"  {question.help}")
        if question.why:
            self.say(f"  Why it matters: {question.why}")
        if question.kind in ("choice", "yesno"):
            choices = [(label, value) for value, label in question.choices]
            answer = self._select(question.label, choices, texts[question.key])
            if section == "situation":
                self.form.answer_situation(question.key, answer)
            else:
                texts[question.key] = answer
            return

        def check(value: str) -> str | None:
            texts[question.key] = value
            errors, _ = self.form.situation_problems()
            return self._worded(errors.get(path))

        texts[question.key] = self._text(question.label, texts[question.key], check)

    def ask_situation(self) -> None:
        self.say()
        self.say("== The situation")
        for index in range(len(SITUATION_QUESTIONS)):
            # Worded (and defaulted) for the site answered just before.
            self._ask("situation", self.form.situation_questions()[index])
        self.say()
        heading, note = HOST_SECTION
        self.say(f"== {heading} ({note})")
        for question in HOST_QUESTIONS:
            self._ask("host", question)

    def ask_networks(self) -> None:
        from virtnet_tui.core.advisor import SECTIONS, NetworkChoice
        from virtnet_tui.core.textreport import recommendation_text

        rec = self.form.recommend()
        self.say()
        self.say(recommendation_text(rec, ()).rstrip("\n"))
        if self._confirm("Set up the recommended networks?", True):
            return
        choices: list[NetworkChoice] = []
        while True:
            n = len(choices) + 1
            kind = cast(
                NetworkType,
                self._select(
                    f"Network {n}: type",
                    [(t, t) for t in NETWORK_TYPES],
                    choices[-1].type if choices else "nat",
                ),
            )
            family = cast(Family, self._select(f"Network {n}: address families", FAMILIES, "ipv4"))
            choices.append(NetworkChoice(kind, family, "Chosen by the operator.", SECTIONS[kind]))
            if not self._confirm("Add another network?", False):
                break
        self.form.choose(tuple(choices))

    def ask_parameters(self) -> bool:
        """Ask every network's fields; True when the whole form is valid."""
        self.form.draft()
        for index, network in enumerate(self.form.networks):
            self.say()
            self.say(f"== Network {index + 1}: {network.type}")
            for field in network_fields(network.type):
                self._ask_field(index, network, field)
            self._ask_rows(index, network)
        errors, warnings = self.form.problems()
        site = self._site
        for path, reason in warnings.items():
            self.say(f"  ! {finding_line(path, reason, site)}")
        for path, reason in errors.items():
            self.say(f"  x {finding_line(path, reason, site)}")
        return not errors

    def _ask_field(self, index: int, network: NetworkForm, field: NetworkField) -> None:
        path = f"network[{index}].{field.key}"
        note = self._worded(self.form.active_notes().get(path))
        if note:
            self.say(f"  i {note}")
        self.say(f"  {field.help}")
        texts = network.texts
        if field.kind == "choice":
            choices = [(choice, choice) for choice in field.choices]
            texts[field.key] = self._select(field.label, choices, texts[field.key])
            return
        if field.kind == "range":
            for end, which in (("start", "first"), ("end", "last")):
                key = f"{field.key}_{end}"
                # A range is judged once both ends are in.
                store = partial(network.set_text, key)
                check = self._field_check(store, path if end == "end" else "")
                store(self._text(f"{field.label}: {which} address", texts[key], check))
            return
        # Through the form: a range the operator has not changed follows its subnet.
        store = partial(network.set_text, field.key)
        store(self._text(field.label, texts[field.key], self._field_check(store, path)))

    def _field_check(
        self, store: Callable[[str], object], path: str
    ) -> Callable[[str], str | None]:
        """Store the value as typed, then the whole form's error at ``path`` (none if empty)."""

        def check(value: str) -> str | None:
            store(value)
            if not path:
                return None
            errors, _ = self.form.problems()
            return self._worded(errors.get(path))

        return check

    def _ask_rows(self, index: int, network: NetworkForm) -> None:
        if has_leases(network.type):
            while self._confirm("Add a fixed DHCP lease?", False):
                self.say(f"  {LEASE_HELP}")
                row = network.add_lease()
                path = f"network[{index}].dhcp_host[{len(network.dhcp_hosts) - 1}]"
                self._ask_row(f"Lease {len(network.dhcp_hosts)}", row, LEASE_FIELDS, path)
        if has_forwards(network.type):
            while self._confirm("Add a port forward?", False):
                row = network.add_forward()
                path = f"network[{index}].forward[{len(network.forwards) - 1}]"
                self._ask_row(f"Forward {len(network.forwards)}", row, FORWARD_FIELDS, path)

    def _ask_row(
        self, name: str, row: dict[str, str], fields: tuple[RowField, ...], path: str
    ) -> None:
        """One lease or forward, field by field; each checked as the whole form."""
        for field in fields:
            message = f"{name}: {field.label}"
            if field.choices:
                choices = [(choice, choice) for choice in field.choices]
                row[field.key] = self._select(message, choices, row[field.key])
            else:
                check = self._field_check(
                    partial(row.__setitem__, field.key), f"{path}.{field.key}"
                )
                row[field.key] = self._text(message, row[field.key], check)

    def offer_exports(self) -> None:
        from virtnet_tui.core.answers import answers_to_toml
        from virtnet_tui.core.render.script import render_plan_script
        from virtnet_tui.wizard.file_changes import export_text

        prepared = self.form.prepared
        assert prepared is not None
        exports = (
            (
                "Export the answers (TOML) to a file?",
                "virtnet-answers.toml",
                answers_to_toml(prepared.answers, all_host_keys=True),
                0o644,
            ),
            (
                "Export the plan as a bash script?",
                "virtnet-plan.sh",
                render_plan_script(prepared.plan),
                0o755,
            ),
        )
        answers_file: Path | None = None
        for question, default, text, mode in exports:
            if not self._confirm(question, True):
                continue
            path = self._text(
                "Save to", default, lambda value: None if value.strip() else "give a file name"
            )
            try:
                written = export_text(path.strip(), text, mode)
            except OSError as exc:
                self.say(f"  x could not save {path}: {exc.strerror or exc}")
                continue
            self.say(f"Saved {written}")
            if answers_file is None and default.endswith(".toml"):
                answers_file = written
        if answers_file is None:
            self.say("Export the answers to apply them later with `apply --answers FILE`.")
        else:
            argv = [*self.command, "apply", "--answers", str(answers_file)]
            self.say(f"Apply it with: {shlex.join(argv)}")


def _managed_state(host: Host) -> State | None:
    """The networks an earlier run set up here: a new network must stay clear of them."""
    from virtnet_tui.managed.state import load_state

    try:
        return load_state(host)
    except Exception:  # damaged records: `status` reports them; the questions go on
        return None


def run_plain(
    host: Host,
    *,
    seed: Callable[[Path], object] | None = None,
    command: Sequence[str] = ("virtnet-wizard",),
) -> int:
    """Run the plain wizard on the terminal; returns the exit code."""
    return PlainWizard(host, seed=seed, command=command).run()
