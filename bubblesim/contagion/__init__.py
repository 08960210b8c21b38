"""Contagion kernels: payment clearing, DebtRank, fire-sale price impact, Gai–Kapadia cascades.

Pure, vectorised functions on numpy / scipy.sparse inputs. Conventions (who owes whom, units)
are in each function's docstring and in ``docs/contagion.md``.
"""

from bubblesim.contagion.clearing import ClearingResult, clear_payments
from bubblesim.contagion.debtrank import DebtRankResult, debtrank
from bubblesim.contagion.gai_kapadia import contagion_statistics, gai_kapadia
from bubblesim.contagion.price_impact import (
    CACCIOLI_IMPACT,
    price_after_sales,
    quantity_for_price,
)

__all__ = [
    "CACCIOLI_IMPACT",
    "ClearingResult",
    "DebtRankResult",
    "clear_payments",
    "contagion_statistics",
    "debtrank",
    "gai_kapadia",
    "price_after_sales",
    "quantity_for_price",
]
