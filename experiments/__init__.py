"""Declared experiments and analyses: each a folder or a TOML file, runnable on its own."""
