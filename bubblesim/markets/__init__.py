"""Markets: spot compute, the secondary market for hardware, and the credit desk.

* :mod:`bubblesim.markets.spot` — the spot price of compute and its weekly trades;
* :mod:`bubblesim.markets.hardware` — resale prices of GPUs and ASICs with fire-sale impact,
  the marks of every fleet, and hardware trades;
* :mod:`bubblesim.markets.halls` — AI halls as income property: values, market rent, vacancy;
* :mod:`bubblesim.markets.credit` — the credit desk: which lender lends, at what terms, credit
  requested and granted (the credit crunch index), lenders' funding, and the funding windows of
  equity and convertibles.
"""

from bubblesim.markets.credit import CreditDesk
from bubblesim.markets.halls import HallMarket
from bubblesim.markets.hardware import HardwareMarket, ResaleMarket
from bubblesim.markets.spot import SpotMarket

__all__ = ["CreditDesk", "HallMarket", "HardwareMarket", "ResaleMarket", "SpotMarket"]
