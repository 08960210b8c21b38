"""The capex record: what the economy has spent on AI capacity, week by week.

The installed base's capital is the capex path itself: GPU systems bought (from vendors, at list
price) and data-centre capacity built (hall conversions and own builds, at cost), recorded the
week they are paid for. The opening economy's base is spread over the weeks before week 0. The
required revenue of the base (:func:`bubblesim.economics.required_revenue_usd_per_year`) and the
AI revenue gap are computed from it by reporting.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from bubblesim.economics import installed_capex_usd

if TYPE_CHECKING:
    from bubblesim.accounts.events import Clock


class CapexRecord:
    """Weekly GPU and data-centre capex, from ``opening_weeks`` before week 0 on.

    Args:
        clock: The run's clock (capex is recorded in the current week).
        opening_weeks: Weeks before week 0 over which the opening base is spread.

    Attributes:
        opening_weeks: As given.
    """

    def __init__(self, clock: Clock, opening_weeks: int):
        self.clock = clock
        self.opening_weeks = opening_weeks
        self._gpu = np.zeros(opening_weeks + 64)
        self._dc = np.zeros(opening_weeks + 64)

    def _index(self, week: int) -> int:
        index = week + self.opening_weeks
        if index >= self._gpu.size:
            grow = max(self._gpu.size, index + 1 - self._gpu.size)
            self._gpu = np.concatenate([self._gpu, np.zeros(grow)])
            self._dc = np.concatenate([self._dc, np.zeros(grow)])
        return index

    def open(self, gpu_usd: float, datacentre_usd: float) -> None:
        """The opening installed base, bought evenly over the weeks before week 0."""
        w = self.opening_weeks
        self._gpu[:w] += gpu_usd / w
        self._dc[:w] += datacentre_usd / w

    def record_gpu(self, usd: float) -> None:
        """GPU systems bought this week."""
        index = self._index(self.clock.week)
        self._gpu[index] += usd

    def record_datacentre(self, usd: float) -> None:
        """Data-centre capacity paid for this week (conversions, own builds)."""
        index = self._index(self.clock.week)
        self._dc[index] += usd

    def installed_gpu_usd(self, life_weeks: float) -> float:
        """GPU capex within its life now."""
        end = self._index(self.clock.week)
        return installed_capex_usd(self._gpu, end, life_weeks)

    def installed_datacentre_usd(self, life_weeks: float) -> float:
        """Data-centre capex within its life now."""
        end = self._index(self.clock.week)
        return installed_capex_usd(self._dc, end, life_weeks)

    def trailing_usd(self, weeks: int = 52) -> float:
        """Capex (GPUs and data centres) over the last ``weeks`` weeks, this one included."""
        end = self._index(self.clock.week)
        start = max(0, math.floor(end - weeks) + 1)  # add only the weeks summed (same values)
        return installed_capex_usd(self._gpu[start:] + self._dc[start:], end - start, weeks)

    def path(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the GPU and data-centre paths (index 0 = ``opening_weeks`` before week 0)."""
        end = self._index(self.clock.week) + 1
        return self._gpu[:end].copy(), self._dc[:end].copy()
