"""v1model execution: tables, externs, traffic manager and the packet pipeline."""
