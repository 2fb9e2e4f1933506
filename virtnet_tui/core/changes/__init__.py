"""Pure builders of the small plans a re-run makes: DHCP hosts, port forwards, attached VMs."""
