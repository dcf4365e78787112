"""The fantel P4Runtime controller: policy, notifications, traffic engineering and the CLI."""
