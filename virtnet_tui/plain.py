"""``virtnet-wizard --plain``: the wizard's questions asked line by line with questionary.

For serial consoles, ``TERM=dumb`` and anyone who does not want a full-screen app.
It walks the same form as the TUI (``screens.form.WizardForm``), checks every
answer with the core as it is given, and ends with the plan as text
(``textreport.plan_text``) and an offer to export the answers and the plan.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO, cast

import questionary

from virtnet_tui.core.model import IPV6_MODES, NETWORK_TYPES, PROTOS, Family, NetworkType, Situation
from virtnet_tui.hosts.base import Host
from virtnet_tui.wizard.form import NetworkForm, WizardForm
from virtnet_tui.wizard.questions import HOST_QUESTIONS, SITUATION_QUESTIONS, Question

_FAMILIES = (("IPv4", "ipv4"), ("IPv6", "ipv6"), ("IPv4 + IPv6", "both"))
_LABELS = {
    "name": "libvirt network name",
    "bridge": "Bridge device",
    "uplink": "Enslaved Ethernet device",
    "ipv4": "IPv4 subnet (host address/prefix)",
    "dhcp4_start": "DHCPv4 range: first address (empty: no DHCPv4)",
    "dhcp4_end": "DHCPv4 range: last address",
    "ipv6": "IPv6 subnet (host address/prefix; empty: no IPv6)",
    "ipv6_mode": "IPv6 address assignment",
    "dhcp6_start": "DHCPv6 range: first address (empty: a default)",
    "dhcp6_end": "DHCPv6 range: last address",
    "bridge_mac": "Bridge MAC address",
    "public_ipv4": "Public IPv4 address that forwarded ports listen on",
}


def _fields(network: NetworkForm) -> list[str]:
    """The fields asked for a network of this type, as the Parameters screen shows them."""
    if network.type == "bridged":
        return ["name", "bridge", "uplink"]
    keys = ["name", "bridge", "ipv4", "dhcp4_start", "dhcp4_end", "ipv6", "ipv6_mode"]
    keys += ["dhcp6_start", "dhcp6_end"]
    if network.type in ("custom-routed", "custom-nat"):
        keys.append("bridge_mac")
    if network.type == "custom-nat":
        keys.append("public_ipv4")
    return keys


def _field_path(index: int, key: str) -> str:
    for prefix in ("dhcp4", "dhcp6"):
        if key.startswith(prefix + "_"):
            return f"network[{index}].{prefix}"
    return f"network[{index}].{key}"


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
        f = result.facts
        self.say(
            f"Found {f.hostname}: {f.distro} {f.distro_version}, uplink {f.uplink_interface} "
            f"{f.ipv4 or '(no IPv4)'}"
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
            texts[question.key] = self._select(question.label, choices, texts[question.key])
            return

        def check(value: str) -> str | None:
            texts[question.key] = value
            errors, _ = self.form.situation_problems()
            return errors.get(path)

        texts[question.key] = self._text(question.label, texts[question.key], check)

    def ask_situation(self) -> None:
        self.say()
        self.say("== The situation")
        for question in SITUATION_QUESTIONS:
            self._ask("situation", question)
        self.say()
        self.say("== The host's uplink (found by the probe; correct it if it is wrong)")
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
            family = cast(Family, self._select(f"Network {n}: address families", _FAMILIES, "ipv4"))
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
            for key in _fields(network):
                self._ask_field(index, network, key)
            if network.type != "bridged":
                self._ask_rows(index, network)
        errors, warnings = self.form.problems()
        for path, reason in warnings.items():
            self.say(f"  ! {path}: {reason}")
        for path, reason in errors.items():
            self.say(f"  x {path}: {reason}")
        return not errors

    def _ask_field(self, index: int, network: NetworkForm, key: str) -> None:
        path = _field_path(index, key)
        note = self.form.active_notes().get(path)
        if note:
            self.say(f"  i {note}")
        if key == "ipv6_mode":
            modes = [(m, m) for m in IPV6_MODES]
            network.texts[key] = self._select(_LABELS[key], modes, network.texts[key])
            return

        def check(value: str) -> str | None:
            network.texts[key] = value
            errors, _ = self.form.problems()
            # A range is judged once both ends are in.
            if key.endswith("_start"):
                return None
            return errors.get(path)

        network.texts[key] = self._text(_LABELS[key], network.texts[key], check)

    def _ask_rows(self, index: int, network: NetworkForm) -> None:
        while self._confirm("Add a fixed DHCP lease?", False):
            row = {"mac": "", "ip": "", "name": "", "id": ""}
            network.dhcp_hosts.append(row)
            n = len(network.dhcp_hosts) - 1
            for key, label in (
                ("mac", "MAC (empty for an IPv6 lease)"),
                ("ip", "IP address"),
                ("name", "host name (optional)"),
                ("id", "DUID (IPv6 leases only)"),
            ):
                row[key] = self._text(
                    f"Lease {n + 1}: {label}",
                    "",
                    self._row_check(row, key, f"network[{index}].dhcp_host[{n}]"),
                )
        if network.type != "custom-nat":
            return
        while self._confirm("Add a port forward?", False):
            row = {"proto": "tcp", "ports": "", "to": "", "to_port": "0"}
            network.forwards.append(row)
            n = len(network.forwards) - 1
            path = f"network[{index}].forward[{n}]"
            row["proto"] = self._select(
                f"Forward {n + 1}: protocol", [(p, p) for p in PROTOS], "tcp"
            )
            for key, label in (
                ("ports", "ports (80, 443)"),
                ("to", "to the VM address"),
                ("to_port", "VM port (0: the same)"),
            ):
                row[key] = self._text(
                    f"Forward {n + 1}: {label}", row[key], self._row_check(row, key, path)
                )

    def _row_check(self, row: dict[str, str], key: str, path: str) -> Callable[[str], str | None]:
        def check(value: str) -> str | None:
            row[key] = value
            errors, _ = self.form.problems()
            return errors.get(f"{path}.{key}")

        return check

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


def run_plain(
    host: Host,
    *,
    seed: Callable[[Path], object] | None = None,
    command: Sequence[str] = ("virtnet-wizard",),
) -> int:
    """Run the plain wizard on the terminal; returns the exit code."""
    return PlainWizard(host, seed=seed, command=command).run()
