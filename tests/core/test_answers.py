"""Tests for reading and writing the TOML answers file."""

from __future__ import annotations

import datetime
import pickle
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.paths import DATA

from virtnet_tui.core.answers import HOST_KEYS, answers_to_toml, load_answers, parse_answers
from virtnet_tui.core.errors import AnswersError, FieldError, FieldWarning
from virtnet_tui.core.model import (
    DISTROS,
    FIREWALL_BACKENDS,
    FIREWALLS,
    IPV6_MODES,
    NETCONFIGS,
    NETWORK_TYPES,
    PROTOS,
    SITES,
    UPLINKS,
    Answers,
    DhcpHost,
    HostFacts,
    NetworkSpec,
    PortForward,
    Situation,
)
from virtnet_tui.core.validate.answers import check_answers

DESIGN_EXAMPLE = DATA / "answers_design_example.toml"
SITUATION = '[situation]\nsite = "dedicated"\nuplink = "ethernet"\n'
NETWORK = '[[network]]\ntype = "custom-nat"\nname = "virbr10"\n'


def errors_of(text: str) -> list[FieldError]:
    with pytest.raises(AnswersError) as caught:
        parse_answers(text)
    return list(caught.value.errors)


def fields_of(text: str) -> list[str]:
    return [error.field for error in errors_of(text)]


# -- the reference example of docs/contract.md -----------------------------------------------


def test_design_example_parses_into_the_model() -> None:
    answers = load_answers(DESIGN_EXAMPLE)
    assert answers.situation == Situation(
        site="dedicated",
        uplink="ethernet",
        public_ipv4=1,
        vms=4,
        bridging_allowed=False,
        ipv6_prefix=56,
        inbound=True,
        firewall="libvirt",
    )
    assert answers.host.ipv4 == "203.0.113.166/29"
    assert answers.host.gateway6 == "fe80::1"
    assert answers.host_given == (
        "distro",
        "network_manager",
        "systemd",
        "uplink_interface",
        "mac",
        "ipv4",
        "gateway4",
        "ipv6",
        "gateway6",
        "dnsmasq_version",
    )
    (network,) = answers.networks
    assert network.type == "custom-nat"
    assert network.dhcp4 == ("192.168.100.2", "192.168.100.254")
    assert network.dhcp6 is None
    assert network.dhcp_hosts == (DhcpHost(ip="192.168.100.77", mac="52:54:00:be:0a:f3"),)
    assert network.forwards == (PortForward("tcp", (80, 443), "192.168.100.77", 0),)


def test_design_example_is_valid() -> None:
    findings = check_answers(load_answers(DESIGN_EXAMPLE))
    assert findings.errors == ()
    assert findings.ok


def test_design_example_round_trips() -> None:
    answers = load_answers(DESIGN_EXAMPLE)
    assert parse_answers(answers_to_toml(answers)) == answers


# -- defaults and shapes -----------------------------------------------------------


def test_minimal_file_takes_model_defaults() -> None:
    answers = parse_answers(SITUATION)
    assert answers == Answers(situation=Situation(site="dedicated", uplink="ethernet"))
    assert answers.host == HostFacts()
    assert answers.host_given == ()


def test_host_given_lists_only_set_keys_in_field_order() -> None:
    answers = parse_answers(SITUATION + '[host]\nssh_port = 2222\ndistro = "rhel"\n')
    assert answers.host_given == ("distro", "ssh_port")
    assert answers.host == replace(HostFacts(), distro="rhel", ssh_port=2222)


def test_host_extensions_parse() -> None:
    text = SITUATION + (
        "[host]\n"
        'distro_version = "12"\nwireless_interface = "wlan0"\nkernel = "3.10.0"\n'
        'dummy_supported = false\nssh_port = 2222\nhostname = "kvm1"\n'
        'used_bridges = ["virbr0"]\nused_subnets = ["192.168.122.0/24"]\n'
        'used_networks = ["default"]\n'
    )
    host = parse_answers(text).host
    assert (host.distro_version, host.wireless_interface, host.kernel) == ("12", "wlan0", "3.10.0")
    assert (host.dummy_supported, host.ssh_port, host.hostname) == (False, 2222, "kvm1")
    assert host.used_bridges == ("virbr0",)
    assert host.used_subnets == ("192.168.122.0/24",)
    assert host.used_networks == ("default",)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("", None),
        ("dhcp4 = []", None),
        ('dhcp4 = ["10.0.0.2", "10.0.0.9"]', ("10.0.0.2", "10.0.0.9")),
    ],
)
def test_dhcp4_absent_or_empty_means_none(line: str, expected: tuple[str, str] | None) -> None:
    (network,) = parse_answers(SITUATION + NETWORK + line + "\n").networks
    assert network.dhcp4 == expected


def test_network_extensions_parse() -> None:
    text = SITUATION + (
        '[[network]]\ntype = "bridged"\nname = "br0"\nuplink = "eth1"\n'
        '[[network]]\ntype = "routed"\nname = "r"\nipv6 = "2001:db8:aa::1/64"\n'
        'ipv6_mode = "dhcpv6"\ndhcp6 = ["2001:db8:aa::1000", "2001:db8:aa::1fff"]\n'
        '[[network.dhcp_host]]\nid = "00:01:00:01:1a:ff:2b:ff"\nip = "2001:db8:aa::1010"\n'
        'name = "web"\n'
    )
    bridged, routed = parse_answers(text).networks
    assert bridged.uplink == "eth1"
    assert routed.dhcp6 == ("2001:db8:aa::1000", "2001:db8:aa::1fff")
    assert routed.dhcp_hosts == (
        DhcpHost(ip="2001:db8:aa::1010", id="00:01:00:01:1a:ff:2b:ff", name="web"),
    )


def test_bridge_defaults_to_the_network_name() -> None:
    (network,) = parse_answers(SITUATION + NETWORK).networks
    assert network.bridge == "virbr10"
    (named,) = parse_answers(SITUATION + NETWORK + 'bridge = "br7"\n').networks
    assert named.bridge == "br7"


def test_networks_keep_file_order() -> None:
    text = SITUATION + NETWORK + '[[network]]\ntype = "nat"\nname = "second"\n'
    assert [n.name for n in parse_answers(text).networks] == ["virbr10", "second"]


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        (SITUATION + "vms = 'two'\n", "situation.vms", "must be an integer"),
        (SITUATION + "vms = true\n", "situation.vms", "must be an integer, not a boolean"),
        (SITUATION + "vms = 2.5\n", "situation.vms", "must be an integer, not a float"),
        (SITUATION + "inbound = 1\n", "situation.inbound", "must be true or false"),
        (SITUATION + "firewall = 'iptables'\n", "situation.firewall", "'libvirt', 'manual'"),
        ('[situation]\nsite = "cloud"\nuplink = "ethernet"\n', "situation.site", "'homelab'"),
        (SITUATION + "[host]\nmac = 1\n", "host.mac", "must be a string"),
        (
            SITUATION + "[host]\ndistro = 'arch'\n",
            "host.distro",
            "'debian', 'ubuntu', 'rhel', 'fedora'",
        ),
        (SITUATION + "[host]\nssh_port = '22'\n", "host.ssh_port", "must be an integer"),
        (SITUATION + "[host]\nused_bridges = 'br0'\n", "host.used_bridges", "array of strings"),
        (SITUATION + "[host]\nused_bridges = ['a', 2]\n", "host.used_bridges[1]", "string"),
        (SITUATION + "[host]\nkernel = 1979-05-27\n", "host.kernel", "not a date/time"),
        (
            SITUATION + "[[network]]\nname = 'n'\ntype = 'bridge'\n",
            "network[0].type",
            "'custom-routed'",
        ),
        (SITUATION + NETWORK + "ipv6_mode = 'auto'\n", "network[0].ipv6_mode", "'dhcpv6'"),
        (SITUATION + NETWORK + "dhcp4 = ['10.0.0.2']\n", "network[0].dhcp4", "[start, end]"),
        (SITUATION + NETWORK + "dhcp4 = ['a', 'b', 'c']\n", "network[0].dhcp4", "[start, end]"),
        (SITUATION + NETWORK + "dhcp4 = [1, 2]\n", "network[0].dhcp4", "[start, end]"),
        (SITUATION + NETWORK + "dhcp6 = '::1'\n", "network[0].dhcp6", "[start, end]"),
        (SITUATION + NETWORK + "bridge = 10\n", "network[0].bridge", "must be a string"),
        (
            SITUATION + NETWORK + "[[network.dhcp_host]]\nip = '10.0.0.5'\nmac = 5\n",
            "network[0].dhcp_host[0].mac",
            "must be a string",
        ),
        (
            SITUATION + NETWORK + "[[network.forward]]\nproto = 'sctp'\nports = [80]\nto = 'x'\n",
            "network[0].forward[0].proto",
            "'tcp', 'udp'",
        ),
        (
            SITUATION + NETWORK + "[[network.forward]]\nproto = 'tcp'\nports = 80\nto = 'x'\n",
            "network[0].forward[0].ports",
            "array of integers",
        ),
        (
            SITUATION + NETWORK + "[[network.forward]]\nproto = 'tcp'\nports = [80, '443']\n"
            "to = 'x'\n",
            "network[0].forward[0].ports[1]",
            "must be an integer",
        ),
    ],
)
def test_wrong_type_names_the_field(text: str, field: str, reason: str) -> None:
    (error,) = errors_of(text)
    assert error.field == field
    assert reason in error.reason


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "situation"),
        ('[situation]\nuplink = "ethernet"\n', "situation.site"),
        ('[situation]\nsite = "homelab"\n', "situation.uplink"),
        (SITUATION + "[[network]]\nname = 'x'\n", "network[0].type"),
        (SITUATION + "[[network]]\ntype = 'nat'\n", "network[0].name"),
        (SITUATION + NETWORK + "[[network.dhcp_host]]\nmac = '52:54:00:00:00:01'\n",
         "network[0].dhcp_host[0].ip"),
        (SITUATION + NETWORK + "[[network.forward]]\nproto = 'tcp'\nto = '10.0.0.2'\n",
         "network[0].forward[0].ports"),
    ],
)  # fmt: skip
def test_missing_required_key(text: str, field: str) -> None:
    (error,) = errors_of(text)
    assert error.field == field
    assert "missing" in error.reason
    assert error.value is None


@pytest.mark.parametrize(
    ("text", "field", "suggestion"),
    [
        (SITUATION + "bridgeing_allowed = true\n", "situation.bridgeing_allowed",
         "bridging_allowed"),
        (SITUATION + "[host]\ngatway4 = '10.0.0.1'\n", "host.gatway4", "gateway4"),
        (SITUATION + "[hosts]\n", "hosts", "host"),
        (SITUATION + "[[networks]]\n", "networks", "network"),
        (SITUATION + NETWORK + "dhcp_hots = []\n", "network[0].dhcp_hots", "dhcp_host"),
        (SITUATION + NETWORK + "[[network.dhcp_host]]\nip = '10.0.0.5'\nmacc = 'x'\n",
         "network[0].dhcp_host[0].macc", "mac"),
        (SITUATION + NETWORK + "[[network.forward]]\nproto = 'tcp'\nport = [80]\nports = [80]\n"
         "to = 'x'\n", "network[0].forward[0].port", "ports"),
    ],
)  # fmt: skip
def test_unknown_key_suggests_the_close_one(text: str, field: str, suggestion: str) -> None:
    (error,) = errors_of(text)
    assert error.field == field
    assert error.reason == f"unknown key; did you mean {suggestion!r}?"
    assert str(error) == f"{field}: unknown key; did you mean {suggestion!r}?"


def test_unknown_key_without_close_match_lists_known_keys() -> None:
    (error,) = errors_of(SITUATION + "zzz = 1\n")
    assert error.field == "situation.zzz"
    assert "known keys: site, uplink, public_ipv4" in error.reason


def test_probe_only_host_field_is_not_a_key() -> None:
    assert "files" not in HOST_KEYS
    assert fields_of(SITUATION + "[host]\nfiles = []\n") == ["host.files"]


def test_every_error_is_reported_not_just_the_first() -> None:
    text = (
        '[situation]\nsite = "x"\nvms = "two"\n'
        "[host]\nssh_port = true\n" + NETWORK + "dhcp4 = [1]\nbogus = 1\n"
    )
    assert sorted(fields_of(text)) == sorted(
        [
            "situation.site",
            "situation.vms",
            "situation.uplink",
            "host.ssh_port",
            "network[0].dhcp4",
            "network[0].bogus",
        ]
    )


@pytest.mark.parametrize(
    ("text", "field", "hint"),
    [
        (SITUATION + '[network]\ntype = "nat"\nname = "n"\n', "network", "[[network]]"),
        ("network = 5\n" + SITUATION, "network", "[[network]]"),
        (SITUATION + NETWORK + '[network.dhcp_host]\nip = "10.0.0.5"\n', "network[0].dhcp_host",
         "[[network.dhcp_host]]"),
        ("network = [1]\n" + SITUATION, "network[0]", "must be a table"),
        ('situation = "dedicated"\n', "situation", "[situation]"),
        (SITUATION.replace("[situation]\n", ""), "site", "unknown key"),
        ('host = "eth0"\n' + SITUATION, "host", "[host]"),
    ],
)  # fmt: skip
def test_misplaced_tables_are_explained(text: str, field: str, hint: str) -> None:
    errors = errors_of(text)
    assert field in [error.field for error in errors]
    assert any(hint in error.reason for error in errors if error.field == field)


def test_toml_syntax_error_names_line_and_column() -> None:
    (error,) = errors_of('[situation]\nsite = "dedicated\n')
    assert error.field == "line 2, column 18"
    assert error.reason.startswith("not valid TOML: ")


def test_load_answers_missing_file_names_the_option(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(AnswersError) as caught:
        load_answers(missing)
    (error,) = caught.value.errors
    assert (error.field, error.value) == ("--answers", str(missing))
    assert "No such file" in error.reason


def test_load_answers_directory_and_binary(tmp_path: Path) -> None:
    with pytest.raises(AnswersError) as caught:
        load_answers(tmp_path)
    assert caught.value.errors[0].field == "--answers"
    binary = tmp_path / "x.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(AnswersError) as caught:
        load_answers(binary)
    assert caught.value.errors[0].reason == "the file is not UTF-8 text"


# -- messages ----------------------------------------------------------------------


def test_field_error_format() -> None:
    error = FieldError("situation.public_ipv4", "two", "must be an integer")
    assert str(error) == "situation.public_ipv4 = 'two': must be an integer"
    pair = FieldError("network[0].dhcp4", ("192.168.100.2", "10.0.0.1"), "start after end")
    assert str(pair) == "network[0].dhcp4 = ['192.168.100.2', '10.0.0.1']: start after end"
    assert str(FieldError("situation", None, "missing")) == "situation: missing"
    assert len(str(FieldError("x", "a" * 500, "too long"))) < 120


def test_warning_is_not_an_error() -> None:
    warning: object = FieldWarning("a", 1, "r")
    assert warning != FieldError("a", 1, "r")
    assert str(FieldWarning("a", 1, "r")) == "a = 1: r"


def test_answers_error_lists_one_per_line_and_pickles() -> None:
    errors = [FieldError("a", 1, "bad"), FieldError("b", None, "missing")]
    exc = AnswersError(errors)
    assert str(exc) == "a = 1: bad\nb: missing"
    assert pickle.loads(pickle.dumps(exc)).errors == exc.errors
    with pytest.raises(ValueError):
        AnswersError([])


# -- writing -------------------------------------------------------------------------


def test_to_toml_writes_only_given_host_keys_unless_asked() -> None:
    answers = parse_answers(SITUATION + "[host]\nssh_port = 2222\n")
    assert "[host]\nssh_port = 2222\n" in answers_to_toml(answers)
    assert "kernel" not in answers_to_toml(answers)
    everything = parse_answers(answers_to_toml(answers, all_host_keys=True))
    assert everything.host == answers.host
    assert everything.host_given == HOST_KEYS


def test_to_toml_without_host_or_networks() -> None:
    text = answers_to_toml(Answers())
    assert "[host]" not in text and "network" not in text
    assert parse_answers(text) == Answers()


_INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_TEXT = st.text(max_size=12)


@st.composite
def _host_and_given(draw: st.DrawFn) -> tuple[HostFacts, tuple[str, ...]]:
    given = draw(st.lists(st.sampled_from(HOST_KEYS), unique=True))
    values: dict[str, Any] = {}
    for key in given:
        default = getattr(HostFacts(), key)
        if key == "distro":
            values[key] = draw(st.sampled_from(DISTROS))
        elif key == "netconfig":
            values[key] = draw(st.sampled_from(("", *NETCONFIGS)))
        elif key == "firewall_backend":
            values[key] = draw(st.sampled_from(FIREWALL_BACKENDS))
        elif key == "libvirt_firewall_backend":
            values[key] = draw(st.sampled_from(FIREWALL_BACKENDS[:2]))
        elif isinstance(default, bool):
            values[key] = draw(st.booleans())
        elif isinstance(default, int):
            values[key] = draw(_INT64)
        elif isinstance(default, tuple):
            values[key] = tuple(draw(st.lists(_TEXT, max_size=3)))
        else:
            values[key] = draw(_TEXT)
    return replace(HostFacts(), **values), tuple(k for k in HOST_KEYS if k in given)


_PAIR = st.none() | st.tuples(_TEXT, _TEXT)
_SPECS = st.builds(
    NetworkSpec,
    type=st.sampled_from(NETWORK_TYPES),
    name=_TEXT,
    bridge=_TEXT,
    ipv4=_TEXT,
    dhcp4=_PAIR,
    ipv6=_TEXT,
    ipv6_mode=st.sampled_from(IPV6_MODES),
    dhcp6=_PAIR,
    bridge_mac=_TEXT,
    public_ipv4=_TEXT,
    uplink=_TEXT,
    dhcp_hosts=st.lists(
        st.builds(DhcpHost, ip=_TEXT, mac=_TEXT, id=_TEXT, name=_TEXT), max_size=2
    ).map(tuple),
    forwards=st.lists(
        st.builds(
            PortForward,
            proto=st.sampled_from(PROTOS),
            ports=st.lists(_INT64, max_size=3).map(tuple),
            to=_TEXT,
            to_port=_INT64,
        ),
        max_size=2,
    ).map(tuple),
)


@st.composite
def _answers(draw: st.DrawFn) -> Answers:
    situation = st.builds(
        Situation,
        site=st.sampled_from(SITES),
        uplink=st.sampled_from(UPLINKS),
        public_ipv4=_INT64,
        vms=_INT64,
        bridging_allowed=st.booleans(),
        ipv6_prefix=_INT64,
        inbound=st.booleans(),
        firewall=st.sampled_from(FIREWALLS),
    )
    host, given = draw(_host_and_given())
    networks = tuple(draw(st.lists(_SPECS, max_size=3)))
    return Answers(draw(situation), host, networks, given)


@settings(max_examples=150, deadline=None)
@given(_answers())
def test_round_trip_of_any_answers(answers: Answers) -> None:
    assert parse_answers(answers_to_toml(answers)) == answers


# -- random documents never crash --------------------------------------------------------

_PLAUSIBLE = st.sampled_from(
    [
        *SITES, *UPLINKS, *FIREWALLS, *DISTROS, *NETCONFIGS, *NETWORK_TYPES, *IPV6_MODES, *PROTOS,
        "192.168.100.1/24", "192.168.100.0/24", "192.168.100.2", "192.168.100.255",
        "192.168.100.77", "203.0.113.86/28", "203.0.113.88/29", "203.0.113.81", "10.0.0.1/31",
        "2001:db8::1/64", "2001:db8:aa::1/64", "2001:db8:aa::/80", "fe80::1", "fe80::1%eth0",
        "2001:db8:aa::1000", "52:54:00:7e:27:af", "19:7c:3b:92:ec:ee", "00:00:00:00:00:00",
        "00:01:00:01:1a:ff:2b:ff:52:54:00:3b:9a:2b", "virbr10", "eth0", "wlan0", "-x", "..",
        "2.90", "2.63", "6.1.0-18-amd64", "", " ", "a/b",
    ]
)  # fmt: skip
_ADDRESSES = st.ip_addresses().map(str) | st.builds(
    lambda a, p: f"{a}/{p}", st.ip_addresses(), st.integers(0, 130)
)
_SCALARS = st.one_of(
    _PLAUSIBLE,
    _ADDRESSES,
    st.text(max_size=16),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(-2, 70000),
    st.booleans(),
    st.floats(),
    st.datetimes(),
    st.dates(),
    st.times(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)
_SITUATION_KEYS = ["site", "uplink", "public_ipv4", "vms", "bridging_allowed", "ipv6_prefix",
                   "inbound", "firewall"]  # fmt: skip
_NETWORK_KEYS = ["type", "name", "bridge", "ipv4", "dhcp4", "ipv6", "ipv6_mode", "dhcp6",
                 "bridge_mac", "public_ipv4", "uplink"]  # fmt: skip


def _table(keys: list[str], extra: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Any]:
    values = st.one_of(_VALUES, _VALUES.map(lambda v: [v, v]))
    plain = st.dictionaries(st.sampled_from(keys) | _TEXT, values, max_size=len(keys) + 2)
    if extra is None:
        return plain
    return st.tuples(plain, extra).map(lambda pair: {**pair[0], **pair[1]})


_DHCP_HOST = _table(["ip", "mac", "id", "name"])
_FORWARD = _table(["proto", "ports", "to", "to_port"])
_NETWORK = _table(
    _NETWORK_KEYS,
    st.fixed_dictionaries(
        {},
        optional={
            "dhcp_host": st.lists(_DHCP_HOST, max_size=2) | _VALUES,
            "forward": st.lists(_FORWARD, max_size=2) | _VALUES,
        },
    ),
)
_DOCUMENTS = st.fixed_dictionaries(
    {},
    optional={
        "situation": _table(_SITUATION_KEYS) | _VALUES,
        "host": _table(list(HOST_KEYS)) | _VALUES,
        "network": st.lists(_NETWORK, max_size=3) | _VALUES,
        "extra": _VALUES,
    },
)


def _assert_parse_and_validate_behave(text: str) -> None:
    try:
        answers = parse_answers(text)
    except AnswersError as exc:
        assert exc.errors
        assert all(error.field and error.reason for error in exc.errors)
        return
    findings = check_answers(answers)
    for finding in (*findings.errors, *findings.warnings):
        assert finding.field and finding.reason
        assert str(finding).startswith(finding.field)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCUMENTS)
def test_random_documents_fail_only_with_answers_error(document: dict[str, Any]) -> None:
    _assert_parse_and_validate_behave(tomli_w.dumps(document))


def _typed(keys: dict[str, st.SearchStrategy[Any]], required: set[str]) -> Any:
    return st.fixed_dictionaries(
        {k: v for k, v in keys.items() if k in required},
        optional={k: v for k, v in keys.items() if k not in required},
    )


_STR = _PLAUSIBLE | _ADDRESSES | _TEXT
_PAIRS: st.SearchStrategy[list[str]] = st.just([]) | st.lists(
    _PLAUSIBLE | _ADDRESSES, min_size=2, max_size=2
)
_PORTS = st.integers(-1, 70000) | st.sampled_from([22, 80, 443])
_TYPED_DOCUMENTS = _typed(
    {
        "situation": _typed(
            {
                "site": st.sampled_from(SITES),
                "uplink": st.sampled_from(UPLINKS),
                "public_ipv4": st.integers(-1, 2000),
                "vms": st.integers(-1, 5000),
                "ipv6_prefix": st.integers(-1, 130),
                "firewall": st.sampled_from(FIREWALLS),
            },
            {"site", "uplink"},
        ),
        "host": _typed(
            {
                "uplink_interface": _STR,
                "wireless_interface": _STR,
                "mac": _STR,
                "ipv4": _STR,
                "gateway4": _STR,
                "ipv6": _STR,
                "gateway6": _STR,
                "dnsmasq_version": _STR,
                "kernel": _STR,
                "dummy_supported": st.booleans(),
                "ssh_port": _PORTS,
                "hostname": _STR,
                "used_subnets": st.lists(_STR, max_size=2),
                "used_bridges": st.lists(_STR, max_size=2),
            },
            set(),
        ),
        "network": st.lists(
            _typed(
                {
                    "type": st.sampled_from(NETWORK_TYPES),
                    "name": _STR,
                    "bridge": _STR,
                    "ipv4": _STR,
                    "dhcp4": _PAIRS,
                    "ipv6": _STR,
                    "ipv6_mode": st.sampled_from(IPV6_MODES),
                    "dhcp6": _PAIRS,
                    "bridge_mac": _STR,
                    "public_ipv4": _STR,
                    "uplink": _STR,
                    "dhcp_host": st.lists(
                        _typed({"ip": _STR, "mac": _STR, "id": _STR, "name": _STR}, {"ip"}),
                        max_size=3,
                    ),
                    "forward": st.lists(
                        _typed(
                            {
                                "proto": st.sampled_from(PROTOS),
                                "ports": st.lists(_PORTS, max_size=3),
                                "to": _STR,
                                "to_port": _PORTS,
                            },
                            {"proto", "ports", "to"},
                        ),
                        max_size=2,
                    ),
                },
                {"type", "name"},
            ),
            max_size=3,
        ),
    },
    {"situation"},
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TYPED_DOCUMENTS)
def test_well_typed_documents_parse_and_validate_without_crashing(
    document: dict[str, Any],
) -> None:
    answers = parse_answers(tomli_w.dumps(document))
    _assert_parse_and_validate_behave(answers_to_toml(answers, all_host_keys=True))


def test_datetime_values_are_reported_not_crashing() -> None:
    text = tomli_w.dumps({"situation": {"site": datetime.date(2024, 1, 1), "uplink": "both"}})
    (error,) = errors_of(text)
    assert error.field == "situation.site"
