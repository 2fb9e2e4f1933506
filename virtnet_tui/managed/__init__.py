"""What the wizard manages on a host: state, re-run changes, drift and status."""
