"""Populations: the calibrated named economy, historical economies and synthetic economies.

``POPULATIONS`` maps a ``population_kind`` to the function that builds its economy from the
configuration and a seeded generator.
"""

from collections.abc import Callable

import numpy as np

from bubblesim.population.default import default_economy
from bubblesim.population.miners_2022 import miners_2022_economy
from bubblesim.population.spec import EconomySpec, build
from bubblesim.population.synthetic import synthetic_economy

POPULATIONS: dict[str, Callable[..., EconomySpec]] = {
    "default": lambda config, rng: default_economy(),
    "synthetic": synthetic_economy,
    "miners-2022": lambda config, rng: miners_2022_economy(),
}


def make_economy(config, rng: np.random.Generator) -> EconomySpec:
    """The economy named by ``config.population.population_kind``."""
    return POPULATIONS[config.population.population_kind](config, rng)


__all__ = [
    "POPULATIONS",
    "EconomySpec",
    "build",
    "default_economy",
    "make_economy",
    "synthetic_economy",
]
