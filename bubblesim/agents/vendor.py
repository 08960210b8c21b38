"""GPU vendors (Nvidia-like): they sell the GPUs and backstop neocloud capacity.

The vendor earns its gross margin on every GPU system the economy buys
(:meth:`bubblesim.markets.hardware.HardwareMarket.buy_gpus`): the buyer pays the list price
to the outside world (the supply chain) and the vendor's share of it, times its gross margin,
comes back to the vendor (``Flow.VENDOR_MARGIN``), so no money is created. It guarantees
neocloud capacity (Nvidia's $6.3B CoreWeave backstop, calib. §2): as a guarantor it takes the
buyer's side of a contract whose buyer defaults and pays the rent out of its own cash through
the weekly clearing, so it can fail. Its equity stakes in labs and its vendor financing are not
modelled yet (see the issue-13 note).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from bubblesim.agents.base import AgentType, Firm
from bubblesim.columns import Table


class VendorTable(Table):
    """The vendors' own state, one row per vendor.

    Columns: ``row`` (firm row), ``hardware_share`` (its share of a GPU system's list price),
    ``gross_margin`` (its margin on that share), ``operating_cost_usd_per_year`` (its fixed
    costs: R&D and overhead, paid whatever it sells), ``sales_usd`` (GPU systems sold,
    cumulative).
    """

    FIELDS: ClassVar[dict[str, tuple]] = {
        "row": (np.int64, -1),
        "hardware_share": (np.float64, 0.0),
        "gross_margin": (np.float64, 0.0),
        "operating_cost_usd_per_year": (np.float64, 0.0),
        "sales_usd": (np.float64, 0.0),
    }

    def add(
        self,
        row: int,
        hardware_share: float,
        gross_margin: float,
        operating_cost_usd_per_year: float = 0.0,
    ) -> int:
        """Register a vendor and return its index."""
        return self._append(
            row=row,
            hardware_share=hardware_share,
            gross_margin=gross_margin,
            operating_cost_usd_per_year=operating_cost_usd_per_year,
        )

    def sold(self, index: int, usd: float) -> None:
        """GPU systems sold at list price (its revenue base)."""
        self._cols["sales_usd"][index] += usd


def vendor_margin_usd(list_price_usd: float, hardware_share: float, gross_margin: float) -> float:
    """The vendor's gross profit on a GPU sale: ``list price × hardware share × margin``."""
    return list_price_usd * hardware_share * gross_margin


class Vendor(Firm):
    """A GPU vendor (a view of its rows in the firm and vendor tables).

    Attributes:
        hardware_share: Its share of a GPU system's list price.
        gross_margin: Its gross margin on that share.
        sales_usd: GPU systems sold so far.
    """

    TYPES = (AgentType.VENDOR,)
    exposures = ("demand", "chips")

    def _vendor(self, column: str):
        return getattr(self.world.agents.vendors, column)[self.index]

    hardware_share = property(lambda self: float(self._vendor("hardware_share")))
    gross_margin = property(lambda self: float(self._vendor("gross_margin")))
    sales_usd = property(lambda self: float(self._vendor("sales_usd")))


def pay_vendor_margin(world, list_price_usd: float) -> None:
    """A GPU sale at list price: the first live vendor earns its margin (no vendor: nobody).

    The buyer has paid the list price to the supply chain (outside); the vendor's gross profit,
    :func:`vendor_margin_usd`, comes back from it. A defaulted vendor earns nothing (its
    customers buy from the rest of the supply chain).
    """
    from bubblesim.accounts.ledger import Flow

    vendors = world.agents.vendors
    if len(vendors) == 0:
        return
    alive = world.agents.active_members(vendors)
    if alive.size == 0:
        return
    v = int(alive[0])
    margin = vendor_margin_usd(
        list_price_usd, float(vendors.hardware_share[v]), float(vendors.gross_margin[v])
    )
    world.ledger.transfer(None, int(vendors.row[v]), margin, Flow.VENDOR_MARGIN)
    vendors.sold(v, list_price_usd)
