"""The market for AI halls: what a miner's halls are worth, and which stand empty.

A hall is income property. Its value is its net operating income capitalised at the market's
cap rate (:func:`bubblesim.economics.hall_value_usd`); a hall without a tenant is worth what it
would earn re-let at market rent (less the rent forgone while a tenant is found), or, if more,
its value as a mining site. Halls under construction are held at cost. These values are the
collateral of project loans, what a defaulted miner's halls fetch, and what lenders provision
against.

Vacancy is read from the book each week: a miner's completed halls (at cost, so MW-IT is cost
over the build cost per MW) less the MW its active hosting leases occupy. The table here
remembers since when each miner has had empty halls, which sets when a hall can be re-let and
when its power goes back to mining.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from bubblesim.accounts.instruments import KIND_CODE, ContractKind
from bubblesim.columns import Table
from bubblesim.economics import hall_market_rent_usd_per_mw_year, hall_value_usd
from bubblesim.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from bubblesim.world import World

_HOSTING = KIND_CODE[ContractKind.HOSTING]
VACANT_MIN_MW = 1e-6
"""Empty MW below this are rounding, not vacancy."""


class VacancyTable(Table):
    """Empty halls, one row per miner (its index in the miner table).

    Columns: ``vacant_mw`` (MW-IT of completed halls without an active lease, at the last
    observation), ``vacant_since_week`` (when the miner's halls last went from full to partly
    empty; −1 while full).
    """

    FIELDS: ClassVar[dict[str, tuple]] = {
        "vacant_mw": (np.float64, 0.0),
        "vacant_since_week": (np.int64, -1),
    }

    def observe(self, vacant_mw: np.ndarray, week: int) -> None:
        """Record this week's empty MW of every miner (rows added as miners enter)."""
        while self.n < vacant_mw.size:
            self._append()
        cols = self._cols
        n = vacant_mw.size
        empty = vacant_mw > VACANT_MIN_MW
        since = cols["vacant_since_week"][:n]
        since[empty & (since < 0)] = week
        since[~empty] = -1
        cols["vacant_mw"][:n] = np.where(empty, vacant_mw, 0.0)


class HallMarket:
    """Hall values, market rent and vacancy.

    Args:
        world: The world (config, miners, book, spot market, clock).

    Attributes:
        vacancy: Empty halls by miner (:class:`VacancyTable`).
    """

    def __init__(self, world: World):
        self.world = world
        self.vacancy = VacancyTable()

    # -- quantities ------------------------------------------------------------------------------
    def market_rent_usd_per_mw_year(self) -> float:
        """The rent an empty hall would let at now.

        :func:`bubblesim.economics.hall_market_rent_usd_per_mw_year` of the lease rent.
        """
        cfg = self.world.config
        return float(
            hall_market_rent_usd_per_mw_year(
                cfg.contracts.contract_hosting_price_usd_per_mw_year,
                self.world.spot.rental_ratio,
                cfg.halls.hall_rent_elasticity,
            )
        )

    def built_it_mw(self, rows) -> np.ndarray:
        """MW-IT of the completed halls of agents ``rows`` (halls at cost over cost per MW)."""
        cost = self.world.config.markets.market_colo_build_cost_usd_per_mw
        return self.world.agents.table.halls_usd[rows] / cost

    def leases_by_seller(self) -> tuple[np.ndarray, np.ndarray]:
        """Per agent: MW-IT and yearly net operating income of the active hosting leases it sells.

        NOI is gross rent times the host's NOI margin (calib. §1).
        """
        w = self.world
        c = w.book.contracts
        n = w.n_agents
        rows = c.select(_HOSTING, True)
        rows = rows[~c.outside_seller[rows]]
        sellers = c.seller[rows]
        mw = np.bincount(sellers, c.mw[rows], n).astype(np.float64)
        rent = np.bincount(sellers, c.mw[rows] * c.price_usd_per_mw_year[rows], n).astype(
            np.float64
        )
        return mw, rent * w.config.contracts.contract_hosting_noi_margin

    def vacant_it_mw(self) -> np.ndarray:
        """Empty MW-IT of every miner now (by miner index)."""
        miners = self.world.agents.miners
        leased, _ = self.leases_by_seller()
        return np.maximum(0.0, self.built_it_mw(miners.row) - leased[miners.row])

    def observe(self) -> None:
        """Record which miners' halls stand empty this week."""
        self.vacancy.observe(self.vacant_it_mw(), self.world.clock.week)

    def empty_weeks(self) -> np.ndarray:
        """Weeks each miner's halls have stood (partly) empty; −1 while full."""
        since = self.vacancy.vacant_since_week
        return np.where(since >= 0, self.world.clock.week - since, -1)

    def values_usd(self) -> np.ndarray:
        """Every agent's halls at their income value, with construction at cost (USD, by row).

        Non-miners' own space is held at cost.
        """
        w = self.world
        cfg = w.config
        table, miners = w.agents.table, w.agents.miners
        values = table.halls_usd + table.construction_usd
        if len(miners) == 0:
            return values
        leased_mw, noi = self.leases_by_seller()
        rows = miners.row
        vacant = np.maximum(0.0, self.built_it_mw(rows) - leased_mw[rows])
        margin = cfg.contracts.contract_hosting_noi_margin
        market_noi = self.market_rent_usd_per_mw_year() * margin
        search_years = cfg.halls.hall_relet_search_weeks / WEEKS_PER_YEAR
        mining = cfg.halls.hall_mining_site_value_usd_per_mw * cfg.markets.market_pue
        income = np.array(
            [
                hall_value_usd(
                    float(noi[r]),
                    float(v),
                    market_noi,
                    cfg.halls.hall_cap_rate_per_year,
                    search_years,
                    mining,
                )
                for r, v in zip(rows.tolist(), vacant.tolist(), strict=True)
            ]
        )
        values = values.copy()
        values[rows] = income + table.construction_usd[rows]
        return values

    def tenant_risk_share(self) -> np.ndarray:
        """Per agent: share of its halls (built or being built) without a sound tenant.

        A lease is sound while its tenant is healthy, or its guarantor stands behind it (alive,
        with backstop left); halls without an active lease are empty. Zero for agents without
        halls.
        """
        w = self.world
        c, table = w.book.contracts, w.agents.table
        n = w.n_agents
        live = c.select(_HOSTING, False)
        live = live[~c.outside_seller[live]]
        sellers, buyers, guarantors = c.seller[live], c.buyer[live], c.guarantor[live]
        healthy = table.health[buyers] == 0
        backed = (guarantors >= 0) & (c.backstop_remaining_usd[live] > 0)
        backed &= ~table.is_defaulted(np.maximum(guarantors, 0))
        unsound = np.bincount(sellers, c.mw[live] * ~(healthy | backed), n).astype(np.float64)
        pending = c.status[live] == 0
        total = np.bincount(sellers, c.mw[live] * pending, n).astype(np.float64)
        miners = w.agents.miners
        empty = np.zeros(n)
        if len(miners):
            rows = miners.row
            built = self.built_it_mw(rows)
            total[rows] += built
            leased, _ = self.leases_by_seller()
            empty[rows] = np.maximum(0.0, built - leased[rows])
        share = np.divide(unsound + empty, total, out=np.zeros(n), where=total > 0)
        return np.clip(share, 0.0, 1.0)

    def value_usd(self, row: int) -> float:
        """One agent's halls at their income value (construction at cost)."""
        return float(self.values_usd()[row])
