"""Balance sheets: a sortable table of every agent, and the selected agent's books.

Choosing "show books" from a row's cell menu, or a name in the agent selector, shows that agent's
balance sheet, its compute contracts (sold and bought) and its loans (owed and held); the
network view rings the same agent.
"""

from __future__ import annotations

import pandas as pd
import solara

from viz.state import Explorer

MILLION = 1e6
TABLE_FIELDS = (
    ("assets_usd", "assets $M"),
    ("liabilities_usd", "liabilities $M"),
    ("equity_usd", "equity $M"),
    ("cash_usd", "cash $M"),
    ("debt_usd", "debt $M"),
)
DETAIL_ROWS = 25


def agent_rows(model) -> list[dict[str, object]]:
    """One row per agent: uid, name, type, health, default week and balance sheet in $M."""
    rows = []
    for firm in model.firms.values():
        debt = firm.debt_usd()
        sheet = {
            "assets_usd": firm.assets_usd(),
            "liabilities_usd": debt + firm.deferred_revenue_usd() + firm.funding_usd,
            "equity_usd": firm.equity_usd,
            "cash_usd": firm.cash_usd,
            "debt_usd": debt,
        }
        row: dict[str, object] = {
            "uid": firm.unique_id,
            "name": firm.name,
            "type": str(firm.kind),
            "health": str(firm.health),
            "default week": -1 if firm.default_week is None else firm.default_week,
        }
        row.update({label: round(sheet[key] / MILLION, 1) for key, label in TABLE_FIELDS})
        rows.append(row)
    return rows


def _md_table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(v).replace("|", "\\|") for v in r) + " |" for r in rows]
    return "\n".join(lines)


def agent_books(model, firm) -> str:
    """The selected agent's balance sheet, contracts and loans as Markdown."""
    sheet = firm.balance_sheet()
    parts = [
        f"### {firm.name} ({firm.kind}, {firm.health}"
        + (f" since week {firm.default_week})" if firm.default_week is not None else ")"),
        _md_table(["item", "$M"], [[k, f"{v / MILLION:,.1f}"] for k, v in sheet.items()]),
    ]
    week = model.week
    contracts = [("sold", c, c.buyer) for c in model.book.contracts_sold_by(firm)]
    contracts += [("bought", c, c.seller) for c in model.book.contracts_bought_by(firm)]
    if contracts:
        rows = [
            [
                side,
                c.kind,
                other.name,
                f"{c.mw:,.0f}",
                f"{c.price_usd_per_mw_year / MILLION:.2f}",
                c.start_week,
                c.end_week,
                c.status,
                f"{c.remaining_value_usd(week) / MILLION:,.0f}",
            ]
            for side, c, other in contracts[:DETAIL_ROWS]
        ]
        header = [
            "side",
            "kind",
            "counterparty",
            "MW",
            "$M/MW-yr",
            "start",
            "end",
            "status",
            "remaining $M",
        ]
        parts += [f"**Contracts ({len(contracts)})**", _md_table(header, rows)]
    loans = [("owes", loan, loan.lender) for loan in model.book.loans_of(firm)]
    loans += [("holds", loan, loan.borrower) for loan in model.book.loans_by(firm)]
    if loans:
        rows = [
            [
                side,
                loan.instrument,
                other.name,
                f"{loan.principal_usd / MILLION:,.0f}",
                f"{loan.spread_per_year:.3f}",
                loan.maturity_week,
                loan.collateral,
                "—" if loan.covenant_ltv is None else f"{loan.covenant_ltv:.2f}",
            ]
            for side, loan, other in loans[:DETAIL_ROWS]
        ]
        header = [
            "side",
            "instrument",
            "counterparty",
            "principal $M",
            "spread/yr",
            "maturity",
            "collateral",
            "covenant LTV",
        ]
        parts += [f"**Loans ({len(loans)})**", _md_table(header, rows)]
    return "\n\n".join(parts)


@solara.component
def AgentPicker(explorer: Explorer, version: int = 0):  # noqa: N802
    """A selector of agents by name (the same selection as the table and the network)."""
    del version  # a new value re-renders this view (passed by ExplorerViews)
    with explorer.reading():  # not while the play thread is inside a step
        model = explorer.model
        if model is None:
            return
        names = solara.use_memo(
            lambda: {f.name: f.unique_id for f in model.firms.values()}, dependencies=[id(model)]
        )
        choices = solara.use_memo(lambda: ["", *names], dependencies=[id(model)])
        current = explorer.selected_agent()

        def pick(name: str | None) -> None:
            explorer.selected.value = names.get(name) if name else None

        solara.Select(
            label="selected agent",
            values=choices,
            value=current.name if current is not None else "",
            on_value=pick,
        )


def sorted_frame(rows: list[dict[str, object]], column: str, descending: bool) -> pd.DataFrame:
    """The agent rows as a frame sorted by one column (stable, so ties keep the model order)."""
    frame = pd.DataFrame(rows)
    if column in frame:
        frame = frame.sort_values(column, ascending=not descending, kind="stable")
    return frame.reset_index(drop=True)


@solara.component
def BalanceSheets(explorer: Explorer, version: int = 0):  # noqa: N802
    """The agent table (sort from a column's menu, open an agent's books from a cell's menu)."""
    del version  # a new value re-renders this view (passed by ExplorerViews)
    with explorer.reading():  # not while the play thread is inside a step
        sort = solara.use_reactive(("assets $M", True))
        model = explorer.model
        if model is None:
            return
        key = explorer.refresh_key()
        frame = solara.use_memo(
            lambda: sorted_frame(agent_rows(model), *sort.value), dependencies=[key, sort.value]
        )
        uids = frame["uid"].tolist()
        frame = frame.drop(columns="uid")

        def show_books(column: str, row: int) -> None:
            explorer.selected.value = int(uids[row])

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
                f"{len(frame)} agents, sorted by {sort.value[0]} ({order}); "
                "column menu: sort; cell menu: show books"
            )
            solara.DataFrame(
                frame, items_per_page=10, column_actions=column_actions, cell_actions=cell_actions
            )
            firm = explorer.selected_agent()
            if firm is not None:
                solara.Markdown(agent_books(model, firm))
            else:
                solara.Text(
                    "Select an agent (table cell menu, or the selector under the network) "
                    "to see its books."
                )
