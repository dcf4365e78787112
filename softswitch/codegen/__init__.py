"""Ahead-of-time compilation of a checked P4 program to Python (the executor's code generator)."""
