"""Declaring a default: the one way an agent enters default.

Settlement (a shortfall), the lender phase (a run it cannot pay), resolution (a margin call it
cannot cure, a lender without capital) and imposed shocks all declare defaults here. The default
is logged with its cause and trigger, and the agent is queued for resolution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bubblesim.accounts.events import Cause, EventKind

if TYPE_CHECKING:
    from bubblesim.world import World


def declare_default(world: World, row: int, cause: Cause, trigger: int) -> int:
    """Mark an agent defaulted, log the default with its cause and trigger, queue its resolution.

    Args:
        world: The world.
        row: The agent's row.
        cause: Why it defaults.
        trigger: The event that caused it.

    Returns:
        The default event's id (the existing one if the agent had already defaulted).
    """
    table = world.agents.table
    if table.is_defaulted(row):
        return int(table.default_event[row])
    kind = world.agents.firms[row].kind
    event = world.events.record(
        EventKind.DEFAULT,
        row,
        cause=str(cause),
        trigger=trigger,
        amount_usd=world.book.debt_usd(row),
        detail=f"{kind} default: {cause}",
    )
    table.default(row, world.clock.week, event)
    world.resolution_queue.append(row)
    return event
