"""P4_16 front-end: preprocessing, parsing, semantic analysis and P4Info generation."""
