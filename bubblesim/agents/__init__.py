"""The four agent types, each a Mesa agent with a balance sheet.

Big-tech hyperscalers and leveraged neoclouds are one class, :class:`Provider`, told apart by
parameters (``big_tech``, leverage), not by copied code.
"""

from bubblesim.agents.base import AgentType, Firm, Health
from bubblesim.agents.lab import Lab
from bubblesim.agents.lender import Lender
from bubblesim.agents.miner import Miner
from bubblesim.agents.provider import Provider

__all__ = ["AgentType", "Firm", "Health", "Lab", "Lender", "Miner", "Provider"]
