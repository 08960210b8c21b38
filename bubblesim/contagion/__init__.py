"""Contagion kernels: payment clearing, DebtRank, fire-sale price impact, Gai–Kapadia cascades.

Pure, vectorised functions on numpy / scipy.sparse inputs. Conventions (who owes whom, units)
are in each function's docstring and in ``docs/contagion.md``.
"""

from bubblesim.contagion.clearing import ClearingResult, clear_payments

__all__ = ["ClearingResult", "clear_payments"]
