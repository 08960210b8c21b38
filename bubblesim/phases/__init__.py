"""The phases of one week, in schedule order (``docs/ODD.md`` §3).

Each phase is a module with a ``run(world)`` function; none imports another.

1. :mod:`~bubblesim.phases.advance` — drivers, shocks, instruments start and end, marks;
2. :mod:`~bubblesim.phases.decide` — expectations, compute plans, hashing, breaks, credit policy;
3. :mod:`~bubblesim.phases.contract` — equity, GPU cloud contracts, capex and leases, rollovers;
4. :mod:`~bubblesim.phases.produce` — external revenue and costs, the spot market;
5. :mod:`~bubblesim.phases.settle` — clearing of this week's obligations;
6. :mod:`~bubblesim.phases.resolve` — defaults, fire sales, margin calls, to a fixed point;
7. :mod:`~bubblesim.phases.fund` — funding runs and backstops used up (then 6 again);
8. :mod:`~bubblesim.phases.close` — health.
"""

from bubblesim.phases import advance, close, contract, decide, fund, produce, resolve, settle

__all__ = ["advance", "close", "contract", "decide", "fund", "produce", "resolve", "settle"]
