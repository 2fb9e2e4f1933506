"""Custom routed and custom NAT networks: our own bridge, firewall chains and dnsmasq."""

from __future__ import annotations

from virtnet_tui.core.model import DEBIAN_FAMILY, HostFacts, NetworkSpec
from virtnet_tui.core.netconfig import ifcfg_warning, stack
from virtnet_tui.core.plan import (
    Argv,
    Check,
    CommandStep,
    FileStep,
    LibvirtStep,
    Stage,
    Step,
    Todo,
)
from virtnet_tui.core.recipes import netplan, networkd, networkmanager
from virtnet_tui.core.recipes.builder import PlanBuilder
from virtnet_tui.core.recipes.common import (
    DEBIAN_INTERFACES,
    RHEL_IFCFG_DIR,
    add_forwarding,
    daemon_reload,
    enable_now,
    link_checks,
    static_route_todos,
    systemctl,
    vm_notes,
)
from virtnet_tui.core.recipes.docker import docker_steps
from virtnet_tui.core.recipes.firewall_firewalld import firewalld_firewall
from virtnet_tui.core.recipes.firewall_nft import nft_firewall
from virtnet_tui.core.render.dispatcher import dnsmasq_hook_lines, render_nm_dispatcher
from virtnet_tui.core.render.dnsmasq import (
    dnsmasq_argv,
    dnsmasq_paths,
    render_dnsmasq_conf,
    render_dnsmasq_hostsfile,
    render_system_dnsmasq_exclusion,
)
from virtnet_tui.core.render.ifcfg import (
    render_ifcfg_dummy0,
    render_ifcfg_virtual_bridge,
    rhel6_nm_network_line,
)
from virtnet_tui.core.render.interfaces import edit_interfaces, render_virtual_bridge_stanzas
from virtnet_tui.core.render.iptables import (
    IpFamily,
    firewall_chain_removal_argvs,
    firewall_chains,
    firewall_jump_argvs,
    firewall_restore_argv,
    firewall_rules_path,
    firewall_unit_name,
    public_address,
    render_iptables_rules,
)
from virtnet_tui.core.render.modprobe import (
    render_modprobe_dummy,
    render_modules_load_dummy,
    render_rhel6_dummy_modules,
    render_sysconfig_dummy,
)
from virtnet_tui.core.render.radvd import render_radvd_conf, render_radvd_interface
from virtnet_tui.core.render.systemd import (
    render_dnsmasq_unit,
    render_dummy_unit,
    render_firewall_unit,
)
from virtnet_tui.core.versions import at_least

RADVD_CONF = "/etc/radvd.conf"
RHEL_NETWORK = "/etc/sysconfig/network"
SYSTEMD_DIR = "/etc/systemd/system"


def build(b: PlanBuilder, spec: NetworkSpec) -> None:
    """Add the stages of a ``custom-routed`` or ``custom-nat`` network to ``b``."""
    backend = b.facts.firewall_backend
    # firewalld brings its own tools; the other backends need their package.
    b.need("dnsmasq", *(() if backend == "firewalld" else (backend,)))
    _disable_default_network(b)
    _virtual_bridge(b, spec)
    add_forwarding(b)
    _firewall(b, spec)
    _dnsmasq(b, spec)
    if spec.type == "custom-routed" or spec.ipv6:
        static_route_todos(b, spec)
    if spec.type == "custom-nat" and not spec.forwards and b.answers.situation.inbound:
        _forwards_todo(b, spec)
    vm_notes(b, spec)


def _forwards_todo(b: PlanBuilder, spec: NetworkSpec) -> None:
    """Others must reach the VMs, and on custom NAT that is what port forwards are for."""
    b.todo(
        Todo(
            title=f"Port forwards on {spec.name}",
            detail="The VMs serve others, but no port is forwarded to them yet: until one "
            "is, nothing outside this host reaches them. Add one per service once the VM "
            "has its address (a fixed DHCP lease keeps it), as a run of its own:",
            commands=(
                f"virtnet-wizard forward add --network {spec.name} --proto tcp "
                "--port PORT --to VM-ADDRESS [--to-port VM-PORT]",
            ),
        )
    )


def _boot_switch(f: HostFacts, service: str) -> tuple[Argv, Argv]:
    """The commands that make ``service`` start at boot, and stop it from doing so."""
    if f.systemd:
        return systemctl("enable", f"{service}.service"), systemctl("disable", f"{service}.service")
    if f.distro in DEBIAN_FAMILY:
        return ("update-rc.d", service, "enable"), ("update-rc.d", service, "disable")
    return ("chkconfig", service, "on"), ("chkconfig", service, "off")


def _disable_default_network(b: PlanBuilder) -> None:
    """libvirt's default network inserts its own iptables rules; a custom network wants none."""
    facts = b.facts
    planned = {n.name for n in b.answers.networks}
    if not facts.default_network_active or "default" in planned:
        return
    if not b.first_time("disable-default"):
        return
    b.add(
        Stage(
            name="Stop libvirt's default network",
            steps=(
                LibvirtStep(
                    "net-destroy",
                    "default",
                    description="stop the default network (no running VM uses it: checked)",
                ),
                LibvirtStep(
                    "net-autostart-disable", "default", description="keep it from starting at boot"
                ),
            ),
        )
    )


def _hooks_start_dnsmasq(b: PlanBuilder) -> bool:
    """Whether the bridge's own up/down hooks start and stop dnsmasq (else it starts at boot)."""
    f = b.facts
    kind = stack(f)
    return f.systemd and (kind == "ifupdown" or (kind == "ifcfg" and f.network_manager))


def _virtual_bridge(b: PlanBuilder, spec: NetworkSpec) -> None:
    f = b.facts
    br = spec.bridge
    dummy = f"{br}-dummy"
    steps: list[Step] = []
    after_undo: tuple[Argv, ...] = ()
    kind = stack(f)
    if kind in ("netplan", "networkd", "networkmanager"):
        # The bridge's own MAC setting keeps it stable: no dummy port is needed.
        module = {"netplan": netplan, "networkd": networkd, "networkmanager": networkmanager}[kind]
        steps, after_undo = module.virtual_bridge_steps(b, spec)
    elif kind == "ifupdown":
        hooks = tuple(dnsmasq_hook_lines(br)) if _hooks_start_dnsmasq(b) else ()
        edited = edit_interfaces(
            b.current(DEBIAN_INTERFACES),
            drop=(br, dummy),
            append=render_virtual_bridge_stanzas(spec, f, hooks),
        )
        steps.append(
            FileStep(
                DEBIAN_INTERFACES,
                edited,
                description=f"configure {br} in {DEBIAN_INTERFACES}",
                keep_mode=True,
            )
        )
        if f.dummy_supported:
            steps.append(CommandStep(("ifup", dummy), undo=(("ifdown", dummy),)))
        steps.append(
            CommandStep(
                ("ifup", br),
                undo=(("ifdown", br),),
                description=f"create {br} and give it its addresses",
            )
        )
    else:
        if ifcfg_warning(f):
            b.warn(ifcfg_warning(f))
        ifcfg = f"{RHEL_IFCFG_DIR}/ifcfg-{br}"
        steps.append(FileStep(ifcfg, render_ifcfg_virtual_bridge(spec, f)))
        rhel6 = f.distro == "rhel" and f.distro_version.split(".")[0] == "6"
        if f.network_manager:
            steps.append(
                FileStep(
                    f"/etc/NetworkManager/dispatcher.d/99-{br}",
                    render_nm_dispatcher(spec, f),
                    mode=0o755,
                    description=f"hook {br}'s up/down events (stable MAC, dnsmasq)",
                )
            )
            if rhel6:
                line = rhel6_nm_network_line()
                current = b.current(RHEL_NETWORK)
                if line not in current.splitlines():
                    sep = "" if not current or current.endswith("\n") else "\n"
                    steps.append(FileStep(RHEL_NETWORK, f"{current}{sep}{line}\n", keep_mode=True))
                steps.append(CommandStep(("service", "NetworkManager", "restart")))
                steps.append(
                    CommandStep(
                        ("nmcli", "con", "up", "id", br), undo=(("nmcli", "con", "down", "id", br),)
                    )
                )
            else:
                steps.append(CommandStep(("nmcli", "connection", "load", ifcfg)))
                steps.append(
                    CommandStep(
                        ("nmcli", "connection", "up", br),
                        undo=(("nmcli", "connection", "down", br),),
                    )
                )
            # RHEL 6's nmcli has no `connection reload`; a restart reads the files again.
            after_undo = (
                (("service", "NetworkManager", "restart"),)
                if rhel6
                else (("nmcli", "connection", "reload"),)
            )
        else:
            steps.append(CommandStep(("ifup", br), undo=(("ifdown", br),)))
            if f.dummy_supported and f.systemd:
                steps += [
                    FileStep(f"/etc/sysconfig/{dummy}", render_sysconfig_dummy(spec)),
                    FileStep(f"{SYSTEMD_DIR}/dummy@.service", render_dummy_unit()),
                    daemon_reload(),
                    enable_now(f"dummy@{br}.service"),
                ]
            elif f.dummy_supported:
                # Without systemd the handbook falls back on the dummy module's dummy0.
                steps += [
                    FileStep(f"{RHEL_IFCFG_DIR}/ifcfg-dummy0", render_ifcfg_dummy0(spec)),
                    FileStep("/etc/modules-load.d/dummy.conf", render_modules_load_dummy()),
                    FileStep("/etc/modprobe.d/dummy.conf", render_modprobe_dummy()),
                ]
                if rhel6:
                    steps.append(
                        FileStep(
                            "/etc/sysconfig/modules/dummy.modules",
                            render_rhel6_dummy_modules(),
                            mode=0o755,
                        )
                    )
                steps += [
                    CommandStep(
                        ("modprobe", "dummy", "numdummies=1"), undo=(("modprobe", "-r", "dummy"),)
                    ),
                    CommandStep(("ifup", "dummy0"), undo=(("ifdown", "dummy0"),)),
                ]
    b.add(
        Stage(
            name=f"Create virtual bridge {br}",
            steps=tuple(steps),
            checks=link_checks(br, (spec.ipv4, spec.ipv6)),
            network=spec.name,
            after_undo=after_undo,
        )
    )


def _firewall(b: PlanBuilder, spec: NetworkSpec) -> None:
    f = b.facts
    if f.firewall_backend == "nftables":
        nft_firewall(b, spec, docker_steps(b, spec) if f.docker else [])
        return
    if f.firewall_backend == "firewalld":
        public = public_address(spec, f) if spec.forwards else ""
        firewalld_firewall(b, spec, public, docker_steps(b, spec) if f.docker else [])
        return
    steps: list[Step] = []
    checks: list[Check] = []
    families: list[IpFamily] = []
    if spec.ipv4:
        families.append(4)
    if spec.ipv6:
        families.append(6)
    for family in families:
        path = firewall_rules_path(spec.bridge, family)
        steps.append(
            FileStep(
                path,
                render_iptables_rules(spec, f, family),
                mode=0o600,
                description=f"write the IPv{family} rules of {spec.bridge}'s own chains",
            )
        )
        steps.append(
            CommandStep(
                firewall_restore_argv(spec.bridge, family),
                # The jumps are later steps with their own undo; this one removes the chains.
                undo=tuple(firewall_chain_removal_argvs(spec, family)),
                # iptables-restore commits table by table: a failure half-way leaves the
                # tables before it loaded, so the removal runs even after a failure.
                undo_on_failure=True,
                description=f"load {path} (only the wizard's chains; other rules stay)",
            )
        )
        inserts = firewall_jump_argvs(spec, family, insert=True)
        deletes = firewall_jump_argvs(spec, family, insert=False)
        for (table, builtin, chain), insert, delete in zip(
            firewall_chains(spec, family), inserts, deletes, strict=True
        ):
            steps.append(
                CommandStep(
                    insert,
                    undo=(delete,),
                    description=f"send {table} {builtin} traffic through {chain} first",
                )
            )
            checks.append(Check("chain", chain, f"{insert[0]} {table} {builtin}"))
    if f.docker:
        steps += docker_steps(b, spec)
    if f.systemd:
        unit = firewall_unit_name(spec.bridge)
        steps += [
            FileStep(
                f"{SYSTEMD_DIR}/{unit}",
                render_firewall_unit(spec, f),
                description=f"reload {spec.bridge}'s rules at boot",
            ),
            daemon_reload(),
            CommandStep(
                systemctl("enable", unit),
                undo=(systemctl("disable", unit),),
                description=f"load {spec.bridge}'s rules at every boot",
            ),
        ]
    else:
        paths = " and ".join(firewall_rules_path(spec.bridge, fam) for fam in families)
        b.warn(
            f"Without systemd nothing reloads {paths} at boot; add "
            "`iptables-restore --noflush` of them to your boot scripts."
        )
    b.add(
        Stage(
            name=f"Firewall rules for {spec.bridge}",
            steps=tuple(steps),
            risky=True,
            why_risky="firewall changes; the rules only match traffic of "
            f"{spec.bridge} and touch no chain the wizard did not create",
            checks=tuple(checks),
            network=spec.name,
        )
    )


def _dnsmasq(b: PlanBuilder, spec: NetworkSpec) -> None:
    f = b.facts
    br = spec.bridge
    paths = dnsmasq_paths(br)
    steps: list[Step] = [
        FileStep(
            paths.conf,
            render_dnsmasq_conf(spec, f),
            description=f"dnsmasq for {br}: DHCP, DNS and router advertisements",
        ),
        FileStep(
            paths.hostsfile,
            render_dnsmasq_hostsfile(spec),
            description="fixed DHCP leases (re-read on SIGHUP, no restart)",
        ),
    ]
    if not b.exists(paths.leases):
        # Never clobber the leases of a running network on a re-run.
        steps.append(FileStep(paths.leases, "", description="an empty leases file"))
    if f.system_dnsmasq:
        steps.append(
            FileStep(
                f"/etc/dnsmasq.d/{br}.conf",
                render_system_dnsmasq_exclusion(br),
                description=f"keep the system-wide dnsmasq off {br}",
            )
        )
        restart = (
            systemctl("restart", "dnsmasq.service")
            if f.systemd
            else ("service", "dnsmasq", "restart")
        )
        steps.append(CommandStep(restart))
    if spec.ipv6 and spec.ipv6_mode == "slaac" and not at_least(f.dnsmasq_version, "2.64"):
        # dnsmasq before 2.64 cannot do SLAAC: radvd sends the router advertisements.
        b.need("radvd")
        current = b.current(RADVD_CONF)
        first_user = not current  # radvd was not configured, so not started at boot either
        if f"interface {br}\n" not in current:
            if current:
                sep = "" if current.endswith("\n\n") else "\n"
                text = f"{current}{sep}{render_radvd_interface(spec)}"
            else:
                text = render_radvd_conf((spec,))
            steps.append(
                FileStep(
                    RADVD_CONF,
                    text,
                    description=f"router advertisements on {br} by radvd",
                    keep_mode=True,
                )
            )
        steps.append(
            CommandStep(
                systemctl("restart", "radvd.service")
                if f.systemd
                else ("service", "radvd", "restart")
            )
        )
        if first_user and b.first_time("radvd-at-boot"):
            enable, disable = _boot_switch(f, "radvd")
            steps.append(
                CommandStep(enable, undo=(disable,), description="start radvd at boot too")
            )
    if f.systemd:
        unit = f"dnsmasq@{br}.service"
        steps += [
            FileStep(f"{SYSTEMD_DIR}/dnsmasq@.service", render_dnsmasq_unit()),
            daemon_reload(),
        ]
        if _hooks_start_dnsmasq(b):
            # The bridge's up/down hooks start it from now on; start it this once by hand.
            steps.append(CommandStep(systemctl("start", unit), undo=(systemctl("stop", unit),)))
        else:
            steps.append(enable_now(unit))
    else:
        steps += [
            CommandStep(("mkdir", "-p", "/var/run/dnsmasq")),
            CommandStep(
                # By name, like every command of a plan: the operator's PATH decides.
                ("dnsmasq", *dnsmasq_argv(br)[1:]),
                # dnsmasq leaves its pid file behind; a stale one could name a reused pid.
                undo=(("pkill", "-F", paths.pidfile), ("rm", "-f", paths.pidfile)),
            ),
        ]
        b.warn(
            f"Without systemd, dnsmasq for {br} is started now but not at boot; "
            "start it from your boot scripts."
        )
    b.add(
        Stage(
            name=f"Run dnsmasq on {br}",
            steps=tuple(steps),
            checks=(Check("process", "dnsmasq", paths.conf),),
            network=spec.name,
        )
    )
