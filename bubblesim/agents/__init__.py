"""The agent types, each a Mesa agent reading its rows of the world's tables.

Big-tech hyperscalers and leveraged neoclouds are one class, :class:`Provider`, told apart by
parameters (``big_tech``, leverage), not by copied code. :mod:`bubblesim.agents.registry` is the
one list of types.
"""

from bubblesim.agents.base import AgentType, Firm, Health
from bubblesim.agents.lab import Lab
from bubblesim.agents.lender import Lender
from bubblesim.agents.miner import Miner
from bubblesim.agents.provider import Provider
from bubblesim.agents.registry import AGENT_CLASSES, EXPOSURES, Roster

__all__ = [
    "AGENT_CLASSES",
    "EXPOSURES",
    "AgentType",
    "Firm",
    "Health",
    "Lab",
    "Lender",
    "Miner",
    "Provider",
    "Roster",
]
