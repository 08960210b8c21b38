"""The equity market: labs' rounds at their valuation and successors' funding.

A lab is worth its revenue run-rate times a multiple that moves with AI sentiment and its
expected growth (:func:`bubblesim.economics.lab_revenue_multiple`); a round raises what the lab
needs, up to the share of the company it may sell (:func:`bubblesim.economics.equity_round_usd`),
and only while the equity window is open (the sentiment channel). A defaulted lab's business
re-enters only when an investor funds its successor at the current valuation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bubblesim.accounts.events import EventKind
from bubblesim.accounts.ledger import Flow
from bubblesim.agents.vendor import invest_in_lab_round
from bubblesim.economics import (
    DilutiveRaise,
    dilutive_raise,
    equity_round_usd,
    lab_revenue_multiple,
)

if TYPE_CHECKING:
    from bubblesim.world import World


class EquityMarket:
    """Valuations and equity rounds.

    Args:
        world: The world (config, drivers, labs, ledger, desk's windows).
    """

    def __init__(self, world: World):
        self.world = world

    # -- labs ------------------------------------------------------------------------------------
    def sentiment(self) -> float:
        """The AI sentiment investors price (1 with the sentiment channel off)."""
        w = self.world
        return w.drivers.state.ai_sentiment if w.config.channels.channel_sentiment else 1.0

    def lab_multiple(self, expected_growth_per_year) -> np.ndarray:
        """Labs' valuation per dollar of revenue run-rate."""
        r = self.world.config.revenue
        growth = np.asarray(expected_growth_per_year, dtype=np.float64)
        return np.array(
            [
                lab_revenue_multiple(
                    r.valuation_revenue_multiple,
                    self.sentiment(),
                    float(g),
                    r.valuation_reference_growth_per_year,
                )
                for g in growth.reshape(-1).tolist()
            ]
        ).reshape(growth.shape)

    def lab_valuation_usd(self, indices) -> np.ndarray:
        """Pre-money value of labs (indices in the lab table): revenue run-rate × multiple."""
        labs = self.world.agents.labs
        return labs.revenue_usd_per_year[indices] * self.lab_multiple(
            labs.expected_growth_per_year[indices]
        )

    def lab_value_usd(self, index: int) -> float:
        """One lab's pre-money value (:meth:`lab_valuation_usd` of one index, as a float)."""
        labs, r = self.world.agents.labs, self.world.config.revenue
        multiple = lab_revenue_multiple(
            r.valuation_revenue_multiple,
            self.sentiment(),
            float(labs.expected_growth_per_year[index]),
            r.valuation_reference_growth_per_year,
        )
        return float(labs.revenue_usd_per_year[index] * np.float64(multiple))

    def lab_raisable_usd(self, indices) -> np.ndarray:
        """What each lab could raise in a round now (0 while the equity window is shut)."""
        if self.world.desk.equity_window <= 0:
            return np.zeros(len(np.atleast_1d(indices)))
        d = self.world.config.revenue.valuation_max_dilution_per_round
        value = np.atleast_1d(self.lab_valuation_usd(indices))
        return value * d / (1.0 - d) if d < 1.0 else np.full(value.shape, np.inf)

    def raise_lab_round(self, index: int, need_usd: float) -> float:
        """A lab raises what it needs, up to what its valuation allows; returns the amount.

        Nothing is raised while the equity window is shut.
        """
        w = self.world
        if w.desk.equity_window <= 0:
            return 0.0
        value = self.lab_value_usd(index)
        amount = equity_round_usd(
            need_usd, value, w.config.revenue.valuation_max_dilution_per_round
        )
        if amount > 0:
            row = int(w.agents.labs.row[index])
            vendor = invest_in_lab_round(w, row, amount, value + amount)  # circular financing
            w.ledger.transfer(None, row, amount - vendor, Flow.EQUITY_RAISED)
        return amount

    def successor_round_usd(self, index: int, need_usd: float) -> float:
        """What investors would put into a defaulted lab's successor now (0: nobody funds it).

        The successor is valued on the business it takes over: the predecessor's share of
        adoption at the current multiple (its users outlive its balance sheet).
        """
        w = self.world
        if w.desk.equity_window <= 0:
            return 0.0
        labs = w.agents.labs
        potential = float(labs.revenue_share[index]) * w.drivers.state.ai_end_revenue_usd_per_year
        multiple = float(self.lab_multiple(np.array([labs.expected_growth_per_year[index]]))[0])
        return equity_round_usd(
            need_usd, potential * multiple, w.config.revenue.valuation_max_dilution_per_round
        )

    # -- miners ----------------------------------------------------------------------------------
    def miner_market_cap_usd(self, index: int) -> float:
        """A miner's market capitalisation: book equity × price-to-book × AI sentiment."""
        w = self.world
        row = int(w.agents.miners.row[index])
        ratio = w.config.miner_finance.miner_price_to_book * self.sentiment()
        return max(0.0, float(w.ledger.equity_usd[row])) * ratio

    def miner_atm_offer_usd(self, index: int, need_usd: float) -> float:
        """What :meth:`raise_miner_atm` would raise now, without selling (0: window shut)."""
        return self._atm_sale(index, need_usd).raised_usd

    def _atm_sale(self, index: int, need_usd: float) -> DilutiveRaise:
        """The sale the window allows now (nothing with it shut), priced with dilution."""
        w = self.world
        f = w.config.miner_finance
        cap = self.miner_market_cap_usd(index)
        shares = float(w.agents.miners.shares[index])
        if not w.desk.convertible_window:
            return dilutive_raise(0.0, cap, shares, f.miner_atm_discount, 0.0)
        return dilutive_raise(
            need_usd, cap, shares, f.miner_atm_discount, f.miner_atm_max_share_of_cap_per_week
        )

    def raise_miner_atm(self, index: int, need_usd: float, detail: str = "") -> DilutiveRaise:
        """A miner sells shares at the market, while the convertible window is open.

        The window (bitcoin drawdown within its limit and AI sentiment above its threshold,
        :func:`bubblesim.economics.funding_windows`) gates miners' equity as it gates their
        convertibles; the sale is priced with dilution (:func:`bubblesim.economics.dilutive_raise`).
        """
        w = self.world
        miners = w.agents.miners
        sale = self._atm_sale(index, need_usd)
        if sale.raised_usd > 0:
            row = int(miners.row[index])
            w.ledger.transfer(None, row, sale.raised_usd, Flow.EQUITY_RAISED)
            miners.issue_shares(index, sale.new_shares)
            w.events.record(
                EventKind.EQUITY_RAISED,
                row,
                amount_usd=sale.raised_usd,
                detail=f"at-the-market{detail} (dilution {sale.dilution:.1%})",
            )
        return sale
