"""The embedded P4 target: a P4_16 front-end, a v1model executor and a P4Runtime server."""
