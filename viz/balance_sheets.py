"""Balance sheets: a sortable table of every agent at the week on screen, and an agent picker.

The table is read from the run's snapshots, so it replays any past week. A column's menu sorts
it; a cell's menu ("show books") selects that agent, as the picker and the network do.
"""

from __future__ import annotations

import math

import pandas as pd
import solara

from viz.fmt import m
from viz.timeline import HEALTH_NAMES, Timeline

TABLE_FIELDS = (
    ("assets_usd", "assets $M"),
    ("liabilities_usd", "liabilities $M"),
    ("equity_usd", "equity $M"),
    ("cash_usd", "cash $M"),
    ("debt_usd", "debt $M"),
)
NUMERIC = (*(label for _, label in TABLE_FIELDS), "default week")


def agent_rows(timeline: Timeline, week: int) -> list[dict[str, object]]:
    """One row per agent at ``week``: index, name, type, health, default week, USD items."""
    snap = timeline.at(week)
    keys = timeline.sheet_keys
    rows = []
    for i in range(snap.n_agents):
        defaulted = timeline.default_week.get(i)
        row: dict[str, object] = {
            "index": i,
            "name": timeline.names[i],
            "type": timeline.kinds[i],
            "health": HEALTH_NAMES[int(snap.health[i])],
            "default week": defaulted if defaulted is not None and defaulted <= week else math.nan,
        }
        for key, label in TABLE_FIELDS:
            row[label] = float(snap.sheet[i, keys.index(key)]) if key in keys else math.nan
        rows.append(row)
    return rows


def sorted_frame(rows: list[dict[str, object]], column: str, descending: bool) -> pd.DataFrame:
    """The agent rows as a frame sorted by one column (stable, so ties keep the model order)."""
    frame = pd.DataFrame(rows)
    if column in frame:
        frame = frame.sort_values(
            column, ascending=not descending, kind="stable", na_position="last"
        )
    return frame.reset_index(drop=True)


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as text with separators ($M with one decimal), for the table."""
    out = frame.copy()
    for label in NUMERIC:
        if label not in out:
            continue
        if label == "default week":
            out[label] = [("—" if math.isnan(v) else f"{int(v):,}") for v in out[label]]
        else:
            out[label] = [m(v * 1e6) for v in out[label]]
    return out


@solara.component
def AgentPicker(explorer, run_version: int = 0):  # noqa: N802
    """A selector of agents by name (the same selection as the table and the network)."""
    del run_version  # a new run re-renders this view
    names = list(explorer.run.timeline.names)
    selected = explorer.selected.value
    current = names[selected] if selected is not None and selected < len(names) else ""
    solara.Select(
        label="selected agent",
        values=["", *names],
        value=current,
        on_value=lambda name: explorer.select_name(name or None),
    )


@solara.component
def BalanceSheets(explorer, week: int):  # noqa: N802
    """The agent table (sort from a column's menu, open an agent's books from a cell's menu)."""
    sort = solara.use_reactive(("assets $M", True))
    run = explorer.run
    frame = solara.use_memo(
        lambda: sorted_frame(agent_rows(run.timeline, week), *sort.value),
        dependencies=[id(run), week, sort.value],
    )
    indexes = frame["index"].tolist() if "index" in frame else []
    shown = display_frame(frame.drop(columns="index")) if "index" in frame else frame

    def show_books(column: str, row: int) -> None:
        explorer.select(int(indexes[row]))

    column_actions = [
        solara.ColumnAction(
            icon="mdi-sort-descending",
            name="sort descending",
            on_click=lambda c: sort.set((c, True)),
        ),
        solara.ColumnAction(
            icon="mdi-sort-ascending",
            name="sort ascending",
            on_click=lambda c: sort.set((c, False)),
        ),
    ]
    cell_actions = [
        solara.CellAction(icon="mdi-book-open-variant", name="show books", on_click=show_books)
    ]
    with solara.Column(classes=["agent-table"]):
        order = "descending" if sort.value[1] else "ascending"
        solara.Text(
            f"{len(frame):,} agents at week {week:,}, sorted by {sort.value[0]} ({order}); "
            "column menu: sort; cell menu: show books"
        )
        solara.DataFrame(
            shown, items_per_page=10, column_actions=column_actions, cell_actions=cell_actions
        )
