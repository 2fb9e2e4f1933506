#!/usr/bin/env bash
# Installs the Debian packages that virtnet-wizard's build and test suite need.
set -euo pipefail

packages=(
    # libvirt-python compiles against these
    libvirt-dev pkg-config gcc python3-dev
    # virsh and virt-xml-validate
    libvirt-clients
    # real validators and the programs the recipes drive
    dnsmasq-base iptables iproute2 radvd ifupdown bridge-utils
    # virt-xml-validate calls xmllint
    libxml2-utils
    # systemd-analyze and sysctl validate the units and kernel settings
    systemd procps
    # the interactive tests run the wizard in a terminal multiplexer
    tmux
    # end-to-end tests: a DHCP client for the "vm" namespace, ping, and a libvirtd that the
    # tests start inside a namespace with its files under a test folder (the qemu
    # driver is a hard dependency of libvirt-daemon; no qemu binaries are installed)
    udhcpc iputils-ping libvirt-daemon libvirt-daemon-driver-qemu
    # netplan's own reader (`netplan generate --root-dir`) validates the YAML the recipes
    # write, and a private dbus-daemon lets a test's systemd-networkd take `networkctl reload`
    netplan.io dbus
    # the nftables and firewalld backends: nft checks and loads the rules files, and the
    # end-to-end tests run a firewalld of their own in a namespace with a private D-Bus
    nftables firewalld
    # a real NetworkManager (run by the tests in a namespace with a private D-Bus) loads
    # the keyfiles the recipes write, and nmcli drives it
    network-manager
    # the real-VM tests boot small guests under libvirtd with qemu's software emulation
    # (TCG); their kernel and busybox come from `apt-get download`, never installed
    qemu-system-x86
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# The real-VM tests `apt-get download` their guest's packages: apt must know them even
# when everything else is installed already (an image whose package lists were cleaned).
downloadable() { apt-cache show busybox-static linux-image-amd64 >/dev/null 2>&1; }
if [ ${#missing[@]} -eq 0 ]; then
    if ! downloadable && [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq
    fi
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: need root to install: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Installing firewalld (or nftables, dbus) must never start it on this machine: it would
# take over the machine's own firewall. policy-rc.d exit 101 tells invoke-rc.d and
# deb-systemd-invoke to start nothing; one the machine already has is left as it is.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
# --no-install-recommends keeps services we do not want (a system dnsmasq) off the machine
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The package enables firewalld.service: on a machine booted with systemd it would start at
# the next boot and take over the firewall. The tests run their own firewalld in a
# namespace; the machine's stays off unless someone enables it on purpose.
if [[ " ${missing[*]} " == *" firewalld "* ]]; then
    # Offline: works whether or not systemd runs (it only removes the enable links).
    SYSTEMD_OFFLINE=1 systemctl disable --quiet firewalld.service
fi
