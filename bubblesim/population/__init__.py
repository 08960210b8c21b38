"""Populations: the calibrated named economy and generated synthetic economies."""

from bubblesim.population.default import default_economy
from bubblesim.population.spec import EconomySpec, build
from bubblesim.population.synthetic import synthetic_economy

__all__ = ["EconomySpec", "build", "default_economy", "synthetic_economy"]
