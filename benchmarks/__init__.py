"""Benchmarks: commands that print measured figures side by side. Not pass/fail tests."""
