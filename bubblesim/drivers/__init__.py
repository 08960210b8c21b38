"""Exogenous drivers: seeded stochastic processes for AI demand, bitcoin, rates, power and chips.

Week 0 = 2026-01-05; one step = one week. See ``docs/drivers.md`` for the equations.
"""

from bubblesim.drivers.bitcoin import BitcoinParams, BitcoinProcess, hashprice_usd_per_ph_day
from bubblesim.drivers.chips import ChipParams, ChipProcess
from bubblesim.drivers.demand import DemandParams, DemandProcess
from bubblesim.drivers.exogenous import DriverParams, DriverState, ExogenousDrivers
from bubblesim.drivers.power import PowerParams, PowerProcess
from bubblesim.drivers.rates import RateParams, RateProcess

__all__ = [
    "BitcoinParams",
    "BitcoinProcess",
    "ChipParams",
    "ChipProcess",
    "DemandParams",
    "DemandProcess",
    "DriverParams",
    "DriverState",
    "ExogenousDrivers",
    "PowerParams",
    "PowerProcess",
    "RateParams",
    "RateProcess",
    "hashprice_usd_per_ph_day",
]
