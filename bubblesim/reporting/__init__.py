"""Reporting: the series a run records, the cascade verdict, the credit network and figures.

Everything here reads the world and never writes it.
"""
