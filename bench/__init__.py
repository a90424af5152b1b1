"""Benchmarks: each module compares unitgate with a reference side by side and prints ratios."""
