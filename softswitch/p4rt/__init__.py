"""P4Runtime v1 server for the embedded target (a drop-in for BMv2's simple_switch_grpc)."""
