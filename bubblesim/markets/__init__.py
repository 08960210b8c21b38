"""Markets: spot compute, the secondary market for hardware, and the credit desk.

* :mod:`bubblesim.markets.spot` — the spot price of compute and its weekly trades;
* :mod:`bubblesim.markets.hardware` — resale prices of GPUs and ASICs with fire-sale impact,
  the marks of every fleet, and hardware trades;
* :mod:`bubblesim.markets.credit` — the credit desk: which lender lends, at what terms, and the
  funding windows of equity and convertibles.
"""

from bubblesim.markets.credit import CreditDesk
from bubblesim.markets.hardware import HardwareMarket, ResaleMarket
from bubblesim.markets.spot import SpotMarket

__all__ = ["CreditDesk", "HardwareMarket", "ResaleMarket", "SpotMarket"]
