"""Benchmarks: timing scripts that print numbers (not pass/fail tests)."""
