"""The firewall stage of a custom network on a firewalld host: a zone and firewalld objects.

firewalld owns the rule set: rules written beside it are lost on its reload and its zones
reject forwarded traffic they were not told about. So the network's needs become firewalld
objects, each added at runtime and permanently and each removed again by rollback:

- the bridge goes into libvirt's zone when the host has it (``libvirt`` for NAT,
  ``libvirt-routed`` for routed networks); otherwise into a zone of the wizard's,
  ``vnw-<bridge>``, made like libvirt's: target ACCEPT (the VMs may forward), DHCP and DNS
  to the host, every other packet to the host rejected; a routed one also gets a policy
  that lets any zone reach it. A new zone or policy exists only permanently, so
  ``firewall-cmd --reload`` makes it live (and again after rollback deletes it);
- masquerade and port forwards are rich rules in the uplink's zone, scoped to the VMs'
  subnet and the host's public address, as the handbook's iptables rules are.
"""

from __future__ import annotations

from collections.abc import Sequence

import netaddr

from virtnet_tui.core.model import NetworkSpec
from virtnet_tui.core.plan import Argv, CommandStep, Stage, Step
from virtnet_tui.core.recipes.builder import PlanBuilder

FIREWALL_CMD = "firewall-cmd"
RELOAD: Argv = (FIREWALL_CMD, "--reload")


def libvirt_zone(spec: NetworkSpec) -> str:
    """libvirt's own zone for a network of this kind."""
    return "libvirt" if spec.type == "custom-nat" else "libvirt-routed"


def own_zone(bridge: str) -> str:
    """The wizard's zone for ``bridge`` (firewalld allows 17 characters: ``vnw-`` + 13)."""
    return f"vnw-{bridge}"


def bridge_zone(spec: NetworkSpec, zones: Sequence[str]) -> str:
    """The zone the bridge goes into: libvirt's where the host has it, else the wizard's."""
    wanted = libvirt_zone(spec)
    return wanted if wanted in zones else own_zone(spec.bridge)


def _both(zone: str, add: str, remove: str, value: str, what: str) -> list[Step]:
    """The runtime and the permanent step of one object, each undone by its removal."""
    steps: list[Step] = []
    for permanent in ((), ("--permanent",)):
        where = "permanently" if permanent else "now"
        steps.append(
            CommandStep(
                (FIREWALL_CMD, *permanent, f"--zone={zone}", f"{add}={value}"),
                undo=((FIREWALL_CMD, *permanent, f"--zone={zone}", f"{remove}={value}"),),
                description=f"{what} ({where})",
            )
        )
    return steps


def rich_rule_steps(zone: str, rule: str, what: str, *, remove: bool = False) -> list[Step]:
    """Add (or remove) one rich rule of ``zone``, now and permanently, each with its undo."""
    add, rm = "--add-rich-rule", "--remove-rich-rule"
    return _both(zone, rm, add, rule, what) if remove else _both(zone, add, rm, rule, what)


def masquerade_rule(spec: NetworkSpec) -> str:
    subnet = str(netaddr.IPNetwork(spec.ipv4).cidr)
    return (
        f'rule family="ipv4" source address="{subnet}" '
        f'destination not address="{subnet}" masquerade'
    )


def forward_rules(spec: NetworkSpec, public: str) -> list[str]:
    """One rich rule per forwarded port, on the host's public address only."""
    rules = []
    for fwd in spec.forwards:
        for port in fwd.ports:
            to_port = f' to-port="{fwd.to_port}"' if fwd.to_port else ""
            rules.append(
                f'rule family="ipv4" destination address="{public}" forward-port '
                f'port="{port}" protocol="{fwd.proto}"{to_port} to-addr="{fwd.to}"'
            )
    return rules


def _own_zone_steps(spec: NetworkSpec, zone: str) -> list[Step]:
    """A new zone like libvirt's, and for a routed network the policy that lets others in."""
    base = (FIREWALL_CMD, "--permanent")
    z = f"--zone={zone}"
    services = ["dhcp", "dns"] + (["dhcpv6"] if spec.ipv6_mode == "dhcpv6" and spec.ipv6 else [])
    steps: list[Step] = [
        CommandStep(
            (*base, f"--new-zone={zone}"),
            undo=((*base, f"--delete-zone={zone}"),),
            description=f"a zone of its own for {spec.bridge}",
        ),
        CommandStep(
            (*base, z, "--set-target=ACCEPT"), description="the VMs may forward (like libvirt's)"
        ),
        CommandStep(
            (*base, z, '--add-rich-rule=rule priority="32767" reject'),
            description="to the host only what the next rules allow",
        ),
        *[
            CommandStep((*base, z, f"--add-service={svc}"), description=f"{svc} from the VMs")
            for svc in services
        ],
        CommandStep((*base, z, "--add-protocol=icmp"), description="ping from the VMs"),
        CommandStep((*base, z, "--add-protocol=ipv6-icmp"), description="ICMPv6 from the VMs"),
        CommandStep(
            (*base, z, f"--add-interface={spec.bridge}"),
            description=f"{spec.bridge} in {zone}",
        ),
    ]
    if spec.type == "custom-routed":
        policy = f"{zone}-in"
        p = f"--policy={policy}"
        steps += [
            CommandStep(
                (*base, f"--new-policy={policy}"),
                undo=((*base, f"--delete-policy={policy}"),),
                description=f"a policy that lets others reach the routed subnet of {spec.bridge}",
            ),
            CommandStep((*base, p, "--add-ingress-zone=ANY"), description="from any zone"),
            CommandStep((*base, p, f"--add-egress-zone={zone}"), description=f"to {zone}"),
            CommandStep((*base, p, "--set-target=ACCEPT"), description="accepted"),
        ]
    steps.append(CommandStep(RELOAD, description="make the new zone live (firewalld reloads)"))
    return steps


def firewalld_firewall(b: PlanBuilder, spec: NetworkSpec, public: str, extra: list[Step]) -> None:
    """Add the network's firewalld stage. ``public``: the host's address port forwards use."""
    f = b.facts
    br = spec.bridge
    zone = bridge_zone(spec, f.firewalld_zones)
    after_undo: tuple[Argv, ...] = ()
    if zone == own_zone(br):
        steps = _own_zone_steps(spec, zone)
        after_undo = (RELOAD,)
        b.warn(
            f"firewalld has no {libvirt_zone(spec)} zone: {br} gets a zone of its own, "
            f"{zone}, and firewalld reloads to make it live (and again on rollback). A "
            "reload drops runtime-only changes someone made without --permanent."
        )
    else:
        steps = _both(zone, "--add-interface", "--remove-interface", br, f"{br} in {zone}")
    uplink = f.firewalld_zone or "public"
    if spec.type == "custom-nat" and spec.ipv4:
        steps += rich_rule_steps(
            uplink, masquerade_rule(spec), f"masquerade the VMs' traffic leaving {uplink}"
        )
    for rule in forward_rules(spec, public) if spec.forwards else []:
        steps += rich_rule_steps(uplink, rule, "a port forward")
    steps += extra
    b.add(
        Stage(
            name=f"Firewall rules for {br} (firewalld)",
            steps=tuple(steps),
            risky=True,
            why_risky=f"firewall changes through firewalld; only {br}'s zone and rules "
            "scoped to its subnet change",
            network=spec.name,
            after_undo=after_undo,
        )
    )
