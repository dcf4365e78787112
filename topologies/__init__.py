"""Mininet testbeds, AI-over-WAN scenarios and traffic tools."""
