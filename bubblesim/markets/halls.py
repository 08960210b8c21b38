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
from numba import njit

from bubblesim.accounts.instruments import KIND_CODE, ContractKind
from bubblesim.columns import Table, maximum
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
        _observe_vacancy(vacant_mw, cols["vacant_mw"], cols["vacant_since_week"], week)


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
        self._leases: tuple[tuple[int, int], tuple[np.ndarray, np.ndarray]] | None = None

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

        NOI is gross rent times the host's NOI margin (calib. §1). Kept until a contract is
        signed, starts, ends, changes sides or capacity, or is re-priced: every write of the
        columns read here changes the store's ``structure`` (do not modify).
        """
        w = self.world
        c = w.book.contracts
        n = w.n_agents
        key = (c.structure, n)
        if self._leases is None or self._leases[0] != key:
            mw, rent = _leases_by_seller(
                c.select(_HOSTING, True),
                c.outside_seller,
                c.seller,
                c.mw,
                c.price_usd_per_mw_year,
                n,
            )
            self._leases = (key, (mw, rent * w.config.contracts.contract_hosting_noi_margin))
        return self._leases[1]

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
        margin = cfg.contracts.contract_hosting_noi_margin
        market_noi = self.market_rent_usd_per_mw_year() * margin
        search_years = cfg.halls.hall_relet_search_weeks / WEEKS_PER_YEAR
        mining = cfg.halls.hall_mining_site_value_usd_per_mw * cfg.markets.market_pue
        _miner_hall_values(
            values,
            miners.row,
            table.halls_usd,
            table.construction_usd,
            cfg.markets.market_colo_build_cost_usd_per_mw,
            leased_mw,
            noi,
            market_noi,
            cfg.halls.hall_cap_rate_per_year,
            search_years,
            mining,
        )
        return values

    def tenant_risk_share(self) -> np.ndarray:
        """Per agent: share of its halls (built or being built) without a sound tenant.

        A lease is sound while its tenant is healthy, or its guarantor stands behind it (alive,
        with backstop left); halls without an active lease are empty. Zero for agents without
        halls.
        """
        w = self.world
        c, table = w.book.contracts, w.agents.table
        leased, _ = self.leases_by_seller()
        return _tenant_risk_share(
            c.select(_HOSTING, False),
            c.outside_seller,
            c.seller,
            c.buyer,
            c.guarantor,
            c.backstop_remaining_usd,
            c.mw,
            c.status,
            table.health,
            w.agents.miners.row,
            table.halls_usd,
            w.config.markets.market_colo_build_cost_usd_per_mw,
            leased,
        )

    def value_usd(self, row: int) -> float:
        """One agent's halls at their income value (construction at cost)."""
        return float(self.values_usd()[row])


@njit(cache=True)
def _observe_vacancy(vacant_mw, recorded_mw, since_week, week):  # pragma: no cover
    """:meth:`VacancyTable.observe` for the first ``vacant_mw.size`` rows (compiled loop).

    MW above :data:`VACANT_MIN_MW` are vacant: a row that turns vacant records ``week``, a full
    one −1 and 0 MW.
    """
    for i in range(vacant_mw.size):
        if vacant_mw[i] > VACANT_MIN_MW:
            if since_week[i] < 0:
                since_week[i] = week
            recorded_mw[i] = vacant_mw[i]
        else:
            since_week[i] = -1
            recorded_mw[i] = 0.0


@njit(cache=True)
def _leases_by_seller(hosting, outside_seller, seller, mw, price, n):  # pragma: no cover
    """:meth:`HallMarket.leases_by_seller` before the NOI margin: MW and gross rent by seller.

    Sums in row order (as ``np.bincount`` adds), in one compiled pass.
    """
    leased = np.zeros(n)
    rent = np.zeros(n)
    for i in range(hosting.size):
        k = hosting[i]
        if outside_seller[k]:
            continue
        s = seller[k]
        leased[s] += mw[k]
        rent[s] += mw[k] * price[k]
    return leased, rent


@njit(cache=True)
def _miner_hall_values(
    values,
    rows,
    halls_usd,
    construction_usd,
    build_cost,
    leased_mw,
    noi,
    market_noi,
    cap_rate,
    search_years,
    mining,
):  # pragma: no cover
    """:meth:`HallMarket.values_usd` of the miners' rows, written into ``values`` (compiled)."""
    for i in range(rows.size):
        r = rows[i]
        vacant = maximum(0.0, halls_usd[r] / build_cost - leased_mw[r])
        income = hall_value_usd(noi[r], vacant, market_noi, cap_rate, search_years, mining)
        values[r] = income + construction_usd[r]


@njit(cache=True)
def _tenant_risk_share(
    live,
    outside_seller,
    seller,
    buyer,
    guarantor,
    backstop,
    mw,
    status,
    health,
    miner_rows,
    halls_usd,
    build_cost,
    leased,
):  # pragma: no cover
    """:meth:`HallMarket.tenant_risk_share` (compiled loop; sums in row order)."""
    n = health.size
    unsound = np.zeros(n)
    total = np.zeros(n)
    for i in range(live.size):
        k = live[i]
        if outside_seller[k]:
            continue
        s, g = seller[k], guarantor[k]
        healthy = health[buyer[k]] == 0
        backed = g >= 0 and backstop[k] > 0 and health[max(g, 0)] != 2
        unsound[s] += mw[k] * (0.0 if (healthy or backed) else 1.0)
        total[s] += mw[k] * (1.0 if status[k] == 0 else 0.0)
    empty = np.zeros(n)
    for i in range(miner_rows.size):
        r = miner_rows[i]
        built = halls_usd[r] / build_cost
        total[r] += built
        empty[r] = maximum(0.0, built - leased[r])
    share = np.zeros(n)
    for r in range(n):
        if total[r] > 0:
            v = (unsound[r] + empty[r]) / total[r]
            if v < 0.0:
                v = 0.0
            elif v > 1.0:
                v = 1.0
            share[r] = v
    return share
