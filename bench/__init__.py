"""Benchmarks: `make bench` runs every suite below and prints figures and ratios."""
